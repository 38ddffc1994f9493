#!/usr/bin/env bash
# Start a local NGINX (non-daemon process, generated config, state in var/nginx/).
# Options are passed through; see services/core/localstack/cli.ts. Starting a running one applies the new
# upstreams/weights (reload).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node_modules/.bin/tsx services/core/localstack/cli.ts nginx start "$@"

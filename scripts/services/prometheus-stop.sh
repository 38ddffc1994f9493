#!/usr/bin/env bash
# Stop a local Prometheus (non-daemon process, generated config, state in var/prometheus/).
# Options are passed through; see services/core/localstack/cli.ts. No-op when none is running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node_modules/.bin/tsx services/core/localstack/cli.ts prometheus stop "$@"

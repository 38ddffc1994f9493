#!/usr/bin/env bash
# Stop the local NGINX started by nginx-start.sh (no-op when none runs). Options: --dir var/nginx
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node_modules/.bin/tsx deploy/localstack/cli.ts nginx stop "$@"

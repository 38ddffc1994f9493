#!/usr/bin/env bash
# Stop the local Prometheus started by prometheus-start.sh (no-op when none runs). Options: --dir var/prometheus
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node_modules/.bin/tsx deploy/localstack/cli.ts prometheus stop "$@"

#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file,
# so that `npm start` and `npm test` work on a fresh clone with nothing but Node installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.package-lock.json
if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" ]]; then
  echo "[deps] installing npm dependencies (npm ci) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

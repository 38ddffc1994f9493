#!/usr/bin/env bash
# The embedded default, the README's first command (`npm start`): dependencies, a model, then the
# inference service on port 8082.
#   1. npm ci when node_modules is missing or older than package-lock.json (scripts/ensure-deps.sh);
#   2. when MODEL_PATH (default models/current, relative to the repo root) holds no model, train one
#      on the shipped sample data/sample/ratings.csv (MovieLens ml-latest-small, version `sample`);
#   3. exec the service (services/inference/main.ts), which reads PORT, TRACK, PROVENANCE, ... from env.
# Then: curl localhost:8082/recommend/1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
node_modules/.bin/tsx services/inference/bootstrap-model.ts
echo "[start] serving on port ${PORT:-8082} (GET /recommend/<userId>, /metrics, /healthz, /readyz)" >&2
# node --import tsx: one process, no tsx wrapper between the signal and the service, so SIGTERM or
# Ctrl-C reaches the drain directly (the wrapper could lose the race with a group-wide signal).
exec node --import tsx services/inference/main.ts

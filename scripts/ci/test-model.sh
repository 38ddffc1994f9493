#!/usr/bin/env bash
# CI job test-model: the model's unit tests that need only what the repository ships, then a real
# training run on data/sample held out 20 %, refused unless its RMSE passes the pipeline's gate.
# services/model/test/training.int.test.ts reads ../shared (not on a runner): it runs in test-app.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

GATE_RMSE="${GATE_RMSE:-1.0}"
OUT="${TEST_MODEL_OUT:-var/ci-model}"

npx vitest run services/model --exclude services/model/test/training.int.test.ts

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
npx tsx services/model/cli/train.ts --ratings data/sample/ratings.csv --holdout 0.2 --out "$OUT" --version ci --json | tee var/ci-train.json
# the last stdout line is the JSON summary
tail -n 1 var/ci-train.json | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const gate = Number(process.argv[1]);
  if (!(Number.isFinite(r.rmse) && r.rmse < gate)) {
    console.error(`test-model: RMSE ${r.rmse} on ${r.n_test} held-out ratings fails the gate (< ${gate})`);
    process.exit(1);
  }
  console.log(`test-model: RMSE ${r.rmse.toFixed(4)} on ${r.n_test} held-out ratings passes the gate (< ${gate})`);
' "$GATE_RMSE"

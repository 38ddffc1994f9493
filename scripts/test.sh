#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it:
# dependencies, type check, lint, the real servers the tests talk to, then every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
echo "[test] type check (tsc --noEmit)" >&2
npx tsc --noEmit -p .
echo "[test] lint (eslint)" >&2
npx eslint .
echo "[test] services" >&2
bash scripts/services/up.sh
mkdir -p var
echo "[test] vitest" >&2
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=var/vitest-report.json "$@" || status=$?
# One plain closing line that any reader understands, from vitest's own JSON report.
if [[ -f var/vitest-report.json ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync("var/vitest-report.json", "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  '
fi
exit "$status"

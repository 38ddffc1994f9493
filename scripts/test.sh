#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it: dependencies, type check,
# lint, the real servers the tests talk to, every test, then the stack stories (docker compose and
# the GitLab pipeline run for real, scripts/test-stack.sh).
#   --suite-only   everything but the stack stories (what the GitLab job test-app runs: the GitLab
#                  story runs that job, so it must not start the stories again)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stories=1
if [[ "${1:-}" == "--suite-only" ]]; then stories=0; shift; fi

bash scripts/ensure-deps.sh
echo "[test] type check (tsc --noEmit)" >&2
npx tsc --noEmit -p .
echo "[test] lint (eslint)" >&2
npx eslint .
echo "[test] services" >&2
bash scripts/services/up.sh
mkdir -p var
rm -f var/vitest-report.json var/vitest-stack-report.json
echo "[test] vitest" >&2
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=var/vitest-report.json "$@" || status=$?
if ((stories)); then
  bash scripts/test-stack.sh all || status=$?
fi
# One plain closing line that any reader understands, from vitest's own JSON reports.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, files = 0;
  for (const f of ["var/vitest-report.json", "var/vitest-stack-report.json"]) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests; files++;
  }
  if (files) console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
'
exit "$status"

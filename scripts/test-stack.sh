#!/usr/bin/env bash
# The stack stories: the production entry points run for real, one at a time.
#   bash scripts/test-stack.sh compose   docker compose up -d and the production story (test/stack/compose.stack.test.ts)
#   bash scripts/test-stack.sh gitlab    every job of .gitlab-ci.yml under gitlab-ci-local (test/stack/gitlab.stack.test.ts)
#   bash scripts/test-stack.sh all      both
# Installs what they need (container engine, images, gitlab-ci-local, sshd) through the stories' own
# scripts; writes var/vitest-stack-report.json for the closing line of scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

case "${1:-all}" in
  compose) files=(test/stack/compose.stack.test.ts) ;;
  gitlab) files=(test/stack/gitlab.stack.test.ts) ;;
  all) files=(test/stack/compose.stack.test.ts test/stack/gitlab.stack.test.ts) ;;
  *) echo "usage: $0 compose|gitlab|all" >&2; exit 2 ;;
esac

bash scripts/ensure-deps.sh
bash scripts/services/up.sh
mkdir -p var
echo "[test] stack stories: ${files[*]}" >&2
exec npx vitest run --config vitest.stack.config.ts --reporter=default --reporter=json \
  --outputFile.json=var/vitest-stack-report.json "${files[@]}"

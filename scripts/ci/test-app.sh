#!/usr/bin/env bash
# CI job test-app: the whole normal suite (type check, lint, services, vitest; not the stack stories,
# which run this job themselves). Some tests read the course data from ../shared/data (MovieLens and
# course samples, never committed): a runner provides it as a mounted folder named by
# MARQUEE_SHARED_DATA, linked here as ../shared; without it the job stops and says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

shared="$(cd .. && pwd)/shared"
if [[ -n "${MARQUEE_SHARED_DATA:-}" ]]; then
  [[ -d "$MARQUEE_SHARED_DATA/data" ]] || { echo "test-app: MARQUEE_SHARED_DATA=$MARQUEE_SHARED_DATA has no data/ folder" >&2; exit 1; }
  if [[ ! -e "$shared" || -L "$shared" ]]; then ln -sfn "$MARQUEE_SHARED_DATA" "$shared"; fi
fi
[[ -d "$shared/data" ]] || { echo "test-app: the suite needs the course data at $shared/data: set MARQUEE_SHARED_DATA to a folder holding it" >&2; exit 1; }
echo "test-app: course data from $(readlink -f "$shared")"
npm run test:suite

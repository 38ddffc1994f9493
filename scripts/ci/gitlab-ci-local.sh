#!/usr/bin/env bash
# Runs .gitlab-ci.yml locally with gitlab-ci-local (https://github.com/firecow/gitlab-ci-local),
# installed on first use into var/tools/ (not a project dependency). Every job runs with the shell
# executor (the image is ignored: this machine is the runner) in its own copy of the committed and
# untracked files under .gitlab-ci-local/builds/<job>, like a runner's fresh clone.
#
#   bash scripts/ci/gitlab-ci-local.sh [--variable K=V ...] [--variables-file FILE] [JOB ...]
#
# Arguments are passed through. The project is the current folder (or --cwd DIR; gitlab-ci-local
# wants it relative, and --variables-file relative to it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# 4.60.1 is the last release that runs on Node 20 (later ones need Node 22).
GCL_VERSION="${GCL_VERSION:-4.60.1}"
TOOL_DIR="$ROOT/var/tools/gitlab-ci-local"
BIN="$TOOL_DIR/node_modules/.bin/gitlab-ci-local"

installed() { [[ -x "$BIN" ]] && [[ "$("$BIN" --version 2>/dev/null)" == "$GCL_VERSION" ]]; }
if ! installed; then
  echo "[gitlab-ci-local] installing gitlab-ci-local@$GCL_VERSION into $TOOL_DIR ..." >&2
  mkdir -p "$TOOL_DIR"
  [[ -f "$TOOL_DIR/package.json" ]] || echo '{ "private": true }' >"$TOOL_DIR/package.json"
  npm install --prefix "$TOOL_DIR" --no-audit --no-fund --no-save --loglevel=error "gitlab-ci-local@$GCL_VERSION" >&2
  installed || { echo "[gitlab-ci-local] ERROR: $BIN is not version $GCL_VERSION after install" >&2; exit 1; }
fi
command -v rsync >/dev/null || { echo "[gitlab-ci-local] ERROR: rsync is required (apt-get install rsync)" >&2; exit 1; }

exec "$BIN" --force-shell-executor --shell-isolation --no-color --timestamps "$@"

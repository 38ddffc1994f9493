#!/usr/bin/env bash
# CI job deploy: on the server, pull, install dependencies, then start the canary release of the
# model named in data/version.txt in the background (it observes for hours; the job must not wait).
#
# Variables: SSH_PRIVATE_KEY (the deploy user's key), SSH_KNOWN_HOSTS (`ssh-keyscan [-p PORT] HOST`:
# pins the server's host key), DEPLOY_HOST, DEPLOY_USER, DEPLOY_PORT (22), DEPLOY_PATH (the
# checkout on the server, relative to the user's home; default marquee).
# The key goes to a private temp file, not to ~/.ssh or an agent: under a shell executor the job
# runs on the runner host itself and must leave nothing of the key behind.
set -euo pipefail

: "${SSH_PRIVATE_KEY:?deploy: SSH_PRIVATE_KEY is not set}"
: "${SSH_KNOWN_HOSTS:?deploy: SSH_KNOWN_HOSTS is not set}"
: "${DEPLOY_HOST:?deploy: DEPLOY_HOST is not set}"
: "${DEPLOY_USER:?deploy: DEPLOY_USER is not set}"
DEPLOY_PORT="${DEPLOY_PORT:-22}"
DEPLOY_PATH="${DEPLOY_PATH:-marquee}"

command -v ssh >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-client >/dev/null; }

keys="$(mktemp -d)"
trap 'rm -rf "$keys"' EXIT
chmod 700 "$keys"
(umask 077 && printf '%s\n' "$SSH_PRIVATE_KEY" | tr -d '\r' >"$keys/id")
printf '%s\n' "$SSH_KNOWN_HOSTS" >"$keys/known_hosts"

echo "deploy: $DEPLOY_USER@$DEPLOY_HOST:$DEPLOY_PORT, checkout $DEPLOY_PATH"
ssh -p "$DEPLOY_PORT" -i "$keys/id" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$keys/known_hosts" \
  "$DEPLOY_USER@$DEPLOY_HOST" "DEPLOY_PATH='$DEPLOY_PATH' bash -s" <<'REMOTE'
set -euo pipefail
cd "$DEPLOY_PATH"
git pull --ff-only
echo "deploy: server checkout at $(git rev-parse HEAD)"
bash scripts/ensure-deps.sh
test -s data/version.txt || { echo "deploy: data/version.txt is missing or empty" >&2; exit 1; }
MODEL_VERSION="$(tr -d '[:space:]' < data/version.txt)"
echo "deploy: releasing model $MODEL_VERSION as canary"
# its own session (setsid): it outlives this SSH session, and its process group can be stopped whole
setsid nohup npm run release -- --model "$MODEL_VERSION" > release.log 2>&1 < /dev/null &
echo $! > release.pid
echo "deploy: release started (pid $!), log in $DEPLOY_PATH/release.log"
REMOTE

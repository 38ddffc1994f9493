# syntax=docker/dockerfile:1
# Marquee's one image, three targets:
#   runtime  the inference service (default)           docker build -t marquee-inference .
#   worker   the pipeline worker: runtime + git, ssh   docker build --target worker -t marquee-worker .
# The one-shot `init` service of docker-compose.yml (migrations, first model) runs the worker image.
#
# The services run their TypeScript sources directly: there is no compiled dist/. The inference
# service runs on Node's own type stripping (no loader, no loader thread: the code uses erasable
# syntax only, tsconfig's erasableSyntaxOnly); the worker still runs with tsx (a run-time
# dependency), exactly as in development. The build stage installs every dependency and type-checks the code,
# so an image never ships code that does not compile; the runtime stage gets the sources and the
# production dependencies only.
#
# NODE_IMAGE: Node 24 LTS, pinned to a patch release (Node 20 reached its end of life in April 2026).
# Any Debian-based image with node >= 22.18 (type stripping on by default) and npm on the PATH and
# a `node` user (uid 1000) fits: the test
# story builds a stand-in from Debian and the official Node binaries, since no registry is reachable.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

############################ build: all deps, type check, then prune; /app is what both images run
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY services ./services
# The release CLI and the test harness in services/ import the deployment tooling (deploy/config,
# deploy/localstack), so the type check needs it; nothing in the images runs it.
COPY deploy ./deploy
RUN npx tsc --noEmit -p . \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error
# The shipped sample (MovieLens ml-latest-small, course format): a first start trains on it.
COPY data/sample ./data/sample

############################ base: what both images share, below the code (cached across code changes)
FROM ${NODE_IMAGE} AS base
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
RUN mkdir -p /app/models /app/var/provenance-spool && chown node:node /app/models /app/var /app/var/provenance-spool

############################ runtime: the inference service, production deps only, non-root
FROM base AS runtime
ENV PORT=8082 \
    HOST=0.0.0.0 \
    TRACK=stable \
    MODEL_PATH=/app/models/sample
# Files stay owned by root: the service user can read the code but not change it.
COPY --from=build /app /app
USER node
EXPOSE 8082
# Liveness through bash's /dev/tcp: the official slim image has neither wget nor curl, and a node
# process per check costs ~0.1 s of CPU. docker-compose.yml asks /readyz ("model loaded") instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8082} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
# One node process (no wrapper), so SIGTERM reaches the service and it drains. No tsx loader: one
# thread fewer per thread that runs TypeScript (main, each rank worker) and nothing to transform at
# start; the serving tail is the same either way (docs/benchmarks.md, course scale, session 9).
CMD ["node", "services/inference/main.ts"]
# What the image was built from (services/release/build-inputs.ts): a release rebuilds only when
# the checkout's inputs differ. Last, so a new value costs one empty layer.
ARG BUILD_INPUTS=unknown
LABEL org.marquee.build-inputs=${BUILD_INPUTS}

############################ worker: git and ssh for versioning (DVC files, push), then the code
FROM base AS worker
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git openssh-client ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -m 1777 /home/worker
COPY --from=build /app /app
USER node
# Any uid may run it (compose sets the checkout owner's): a writable home for git's and ssh's files.
ENV HOME=/home/worker
CMD ["node", "--import", "tsx", "services/pipeline/cli/worker.ts"]
ARG BUILD_INPUTS=unknown
LABEL org.marquee.build-inputs=${BUILD_INPUTS}

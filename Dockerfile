# syntax=docker/dockerfile:1
# Marquee inference service (and, as target `worker`, the pipeline worker).
#
# The services run TypeScript directly with tsx (a runtime dependency), exactly as in development:
# there is no compiled dist/. The build stage installs every dependency and type-checks the code,
# so an image never ships code that does not compile; the runtime stage gets the sources and the
# production dependencies only.
#
#   docker build -t marquee-inference .                  # inference (default target: runtime)
#   docker build --target worker -t marquee-worker .     # pipeline worker
#
# Stable and canary replicas run the same image; they differ by TRACK and MODEL_PATH, a folder of
# the mounted models volume (/app/models/<version>), see docker-compose.yml.

############################ build: all deps, type check, then prune
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY services ./services
RUN npx tsc --noEmit -p . \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error

############################ runtime: small, production deps only, non-root
FROM node:20-alpine AS runtime
ENV NODE_ENV=production \
    PORT=8082 \
    HOST=0.0.0.0 \
    TRACK=stable \
    MODEL_PATH=/app/models/current
WORKDIR /app
# Files stay owned by root: the service user can read the code but not change it.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY services ./services
RUN mkdir -p /app/models /app/var && chown node:node /app/var
USER node
EXPOSE 8082
# Liveness; docker-compose.yml asks /readyz instead, so that "healthy" also means "model loaded".
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${PORT}/healthz" || exit 1
# node --import tsx: one process (no tsx wrapper), so SIGTERM reaches the service and it drains.
CMD ["node", "--import", "tsx", "services/inference/main.ts"]

############################ worker: the runtime plus git/ssh for versioning (DVC files, push)
FROM runtime AS worker
USER root
RUN apk add --no-cache git openssh-client
USER node
HEALTHCHECK NONE
CMD ["npm", "run", "worker"]

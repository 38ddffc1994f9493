#!/usr/bin/env bash
# Runs the healthchecks of running containers every few seconds. Docker runs them itself; Podman
# schedules them with systemd timers, and with no systemd (as here) they would never run: every
# container would stay "starting" and Compose's `depends_on: service_healthy` would wait forever.
# Started in the background by engine-up.sh; `podman healthcheck run` applies the container's own
# retries and start period, so the statuses mean what they mean under Docker.
set -uo pipefail
INTERVAL="${HEALTHCHECK_INTERVAL_S:-3}"
while sleep "$INTERVAL"; do
  for id in $(podman ps -q --filter health=starting --filter health=healthy --filter health=unhealthy 2>/dev/null); do
    podman healthcheck run "$id" >/dev/null 2>&1 &
  done
  wait
done

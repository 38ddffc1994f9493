#!/usr/bin/env bash
# Runs the healthchecks of running containers. Docker runs them itself; Podman schedules them with
# systemd timers, and with no systemd (as here) they would never run: every container would stay
# "starting" and Compose's `depends_on: service_healthy` would wait forever. Started in the
# background by engine-up.sh; `podman healthcheck run` applies the container's own retries and start
# period, so the statuses mean what they mean under Docker. Containers still starting are checked
# every STARTING_S (a quick start-up), settled ones every SETTLED_S, one at a time: each check starts
# a process in the container and a podman process here (~0.1 s of CPU), and six at once stalled the
# replicas on two cores for a few hundred ms, long enough for NGINX to give up on them.
set -uo pipefail
STARTING_S="${HEALTHCHECK_STARTING_S:-2}"
SETTLED_S="${HEALTHCHECK_SETTLED_S:-15}"
tick=0
while sleep "$STARTING_S"; do
  tick=$((tick + STARTING_S))
  filters=(--filter health=starting)
  if ((tick >= SETTLED_S)); then
    tick=0
    filters+=(--filter health=healthy --filter health=unhealthy)
  fi
  for id in $(podman ps -q "${filters[@]}" 2>/dev/null); do
    podman healthcheck run "$id" >/dev/null 2>&1
  done
done

#!/usr/bin/env bash
# Makes a container engine usable here and prints the variables that point the Compose CLI at it:
#   eval "$(bash scripts/containers/engine-up.sh)"   # exports CONTAINERS_CONF and DOCKER_HOST
# On a machine with Docker (DOCKER_HOST set, or /var/run/docker.sock answering) it changes nothing.
# Elsewhere it installs Debian's Podman, runc, debootstrap and the Compose v1 CLI, writes a
# containers.conf of the project's own (runc: crun refuses hybrid cgroups; ulimits under this
# machine's hard nofile limit; iptables, which netavark needs for container networks), imports a
# Debian base image made with debootstrap (no image registry is reachable), starts Podman's
# Docker-compatible API socket and, without systemd, a healthcheck runner. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
log() { echo "[containers] $*" >&2; }

ping_sock() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }
if [[ -z "${MARQUEE_FORCE_PODMAN:-}" ]]; then
  if [[ -n "${DOCKER_HOST:-}" ]] || ping_sock /var/run/docker.sock; then
    echo "export DOCKER_HOST='${DOCKER_HOST:-unix:///var/run/docker.sock}'"
    exit 0
  fi
fi

STATE="$PWD/var/containers"
mkdir -p "$STATE"
need=()
for c in podman runc debootstrap docker-compose curl iptables; do command -v "$c" >/dev/null || need+=("$c"); done
# catatonit: the init process of containers with `init: true`.
[[ -x /usr/libexec/podman/catatonit ]] || need+=(catatonit)
if ((${#need[@]})); then
  log "installing podman runc debootstrap docker-compose (Debian packages) ..."
  (
    flock 9
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      podman runc catatonit debootstrap docker-compose curl iptables uidmap slirp4netns netavark aardvark-dns
  ) 9>/tmp/marquee-apt.lock >"$STATE/apt.log" 2>&1 || { tail -n 30 "$STATE/apt.log" >&2; exit 1; }
fi

cat >"$STATE/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
# Unmounts everything mounted at or below $1, deepest first.
unmount_under() {
  local m
  for m in $(awk -v root="$1" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
}

export CONTAINERS_CONF="$STATE/containers.conf"

# The Debian base every image of the project and of the test stand-ins starts from.
if ! podman image exists localhost/debian:bookworm; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
  log "making the Debian base image with debootstrap (about 2 minutes) ..."
  unmount_under "$STATE/rootfs"
  rm -rf --one-file-system "$STATE/rootfs"
  debootstrap --variant=minbase bookworm "$STATE/rootfs" "${mirror:-http://deb.debian.org/debian}" >"$STATE/debootstrap.log" 2>&1 \
    || { unmount_under "$STATE/rootfs"; tail -n 30 "$STATE/debootstrap.log" >&2; exit 1; }
  # debootstrap mounts /proc in the target and, on some hosts, leaves it mounted: without this the
  # image would hold a copy of the host's /proc (and tar fails on it).
  unmount_under "$STATE/rootfs"
  tar -C "$STATE/rootfs" --one-file-system -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf --one-file-system "$STATE/rootfs"
fi

sock="$STATE/podman.sock"
if ! ping_sock "$sock"; then
  rm -f "$sock"
  nohup podman system service --time=0 "unix://$sock" >"$STATE/podman-service.log" 2>&1 &
  for _ in $(seq 1 100); do ping_sock "$sock" && break; sleep 0.2; done
  ping_sock "$sock" || { log "ERROR: Podman's API socket did not answer"; exit 1; }
fi
# Healthchecks: without systemd, Podman never schedules them (podman-healthchecks.sh). One runner
# per machine (Podman's containers are the machine's), the newest caller's: an older one may use the
# containers.conf of a checkout that is gone.
HC_PID_FILE=/tmp/marquee-podman-healthchecks.pid
if [[ ! -d /run/systemd/system ]]; then
  hc_pid="$(cat "$HC_PID_FILE" 2>/dev/null || true)" ours=""
  if [[ -n "$hc_pid" ]] && tr '\0' ' ' <"/proc/$hc_pid/cmdline" 2>/dev/null | grep -q podman-healthchecks; then
    if [[ "$(tr '\0' '\n' <"/proc/$hc_pid/environ" | sed -n 's/^CONTAINERS_CONF=//p')" == "$CONTAINERS_CONF" ]]; then ours=1; else kill "$hc_pid"; fi
  fi
  if [[ -z "$ours" ]]; then
    nohup bash scripts/containers/podman-healthchecks.sh >"$STATE/healthchecks.log" 2>&1 &
    echo $! >"$HC_PID_FILE"
  fi
fi
echo "export CONTAINERS_CONF='$STATE/containers.conf' DOCKER_HOST='unix://$sock'"

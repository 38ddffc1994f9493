#!/usr/bin/env bash
# Installs the deployment tools the local stack and the config tests need, from Debian:
#   nginx (the load balancer), prometheus (+ promtool), docker-compose (parses compose files
#   without an engine). Idempotent and quiet: does nothing when all are present. Never leaves the
#   system nginx/prometheus services running — the tests start their own on free ports, and
#   ports 80/9090 must stay free.
set -euo pipefail

# command → Debian package that provides it
declare -A PROVIDER=(
  [nginx]=nginx
  [prometheus]=prometheus
  [promtool]=prometheus
  [docker-compose]=docker-compose
)

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

missing=()
for cmd in "${!PROVIDER[@]}"; do
  have "$cmd" || missing+=("${PROVIDER[$cmd]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# de-duplicate (prometheus provides two commands)
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-tools: need root to install: ${packages[*]}" >&2
  exit 1
fi

echo "install-tools: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive

# Forbid maintainer scripts from starting services while we install; restore whatever was there.
POLICY=/usr/sbin/policy-rc.d
policy_backup=""
if [ -e "$POLICY" ]; then
  policy_backup="$(mktemp)"
  cp -p "$POLICY" "$policy_backup"
fi
restore_policy() {
  if [ -n "$policy_backup" ]; then mv -f "$policy_backup" "$POLICY"; else rm -f "$POLICY"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' > "$POLICY"
chmod 755 "$POLICY"

# Several engineers' set-up scripts may run apt at once; apt's own lock would make one fail.
# Quiet on success; on failure show apt's own words.
apt_log="$(mktemp)"
if ! (
  # (set -e does not apply inside an if condition: chain explicitly)
  flock 9 &&
    apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends "${packages[@]}"
) 9>/tmp/marquee-apt.lock >"$apt_log" 2>&1; then
  echo "install-tools: apt-get failed:" >&2
  tail -n 30 "$apt_log" >&2
  rm -f "$apt_log"
  exit 1
fi
rm -f "$apt_log"

# Belt and braces: if a service got started anyway (no policy-rc.d honoured), stop it.
for svc in nginx prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" >/dev/null 2>&1 || true
    systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
  if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
done

for cmd in "${!PROVIDER[@]}"; do
  if ! have "$cmd"; then
    echo "install-tools: '$cmd' still missing after installing ${PROVIDER[$cmd]}" >&2
    exit 1
  fi
done
echo "install-tools: done"

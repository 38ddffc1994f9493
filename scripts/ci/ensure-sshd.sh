#!/usr/bin/env bash
# Installs Debian's openssh-server when /usr/sbin/sshd is missing, for the GitLab story's test SSH
# server (test/stack/helpers/sshd.ts runs its own sshd on loopback). The system service is never
# started: a policy-rc.d refuses it for the length of the install.
set -euo pipefail
[[ -x /usr/sbin/sshd ]] && exit 0
echo "[sshd] installing openssh-server ..." >&2
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
trap '((own_policy)) && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends openssh-server >/dev/null 2>&1 || {
  apt-get update -qq && apt-get install -y -q --no-install-recommends openssh-server >/dev/null
}
[[ -x /usr/sbin/sshd ]] || { echo "[sshd] ERROR: /usr/sbin/sshd missing after install" >&2; exit 1; }

#!/usr/bin/env bash
# Host key from the mounted secret (so the test can pin it in known_hosts), the client's public key
# as git's only authorized key, then sshd in the foreground.
set -euo pipefail
install -m 600 /run/secrets/git_host_key /etc/ssh/ssh_host_ed25519_key
install -d -m 700 -o git -g git /home/git/.ssh
install -m 600 -o git -g git /run/secrets/deploy_key.pub /home/git/.ssh/authorized_keys
[[ -d /srv/git/marquee.git ]] || su -s /bin/sh git -c 'git init -q --bare -b main /srv/git/marquee.git'
exec /usr/sbin/sshd -D -e -o HostKey=/etc/ssh/ssh_host_ed25519_key -o PasswordAuthentication=no -o PermitRootLogin=no

#!/usr/bin/env bash
# Starts (or installs, then starts) every server the integration and end-to-end tests use:
# NGINX, Prometheus and docker-compose binaries (Debian packages), MariaDB on 127.0.0.1:3306,
# and a single-node Kafka broker on 127.0.0.1:9092 from Maven Central jars. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

log() { echo "[services] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

bash scripts/services/install-tools.sh

# MariaDB: usually already running as a system service; start (or install) it when it is not.
if ! port_open 127.0.0.1 3306; then
  if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
    log "installing mariadb-server ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mariadb-server >/dev/null
  fi
  log "starting MariaDB ..."
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1 --port=3306
  for _ in $(seq 1 60); do port_open 127.0.0.1 3306 && break; sleep 0.5; done
  port_open 127.0.0.1 3306 || { log "ERROR: MariaDB did not start on 127.0.0.1:3306"; exit 1; }
fi
log "MariaDB on 127.0.0.1:3306"

bash scripts/services/kafka-start.sh

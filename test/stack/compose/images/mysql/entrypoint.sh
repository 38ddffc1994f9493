#!/usr/bin/env bash
# First start (empty data dir): initialise, set the root password from MYSQL_ROOT_PASSWORD_FILE and
# create MYSQL_DATABASE, with networking off; then serve on 3306. Later starts keep the data.
set -euo pipefail
secret() { local v="$1" f="${1}_FILE"; if [[ -n "${!f:-}" ]]; then cat "${!f}"; else printf '%s' "${!v:-}"; fi; }
if [[ ! -d /var/lib/mysql/mysql ]]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=normal >/dev/null
  mariadbd --datadir=/var/lib/mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do mariadb-admin --socket=/run/mysqld/init.sock ping --silent 2>/dev/null && break; sleep 0.5; done
  root_pw="$(secret MYSQL_ROOT_PASSWORD)"
  db="${MYSQL_DATABASE:-}"
  {
    printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n" "${root_pw//\'/\'\'}"
    printf "CREATE USER IF NOT EXISTS 'root'@'%%' IDENTIFIED BY '%s';\n" "${root_pw//\'/\'\'}"
    printf "GRANT ALL ON *.* TO 'root'@'%%' WITH GRANT OPTION;\n"
    [[ -n "$db" ]] && printf 'CREATE DATABASE IF NOT EXISTS `%s`;\n' "$db"
    printf 'FLUSH PRIVILEGES;\n'
  } | mariadb --socket=/run/mysqld/init.sock -uroot
  kill "$pid"; wait "$pid" || true
fi
exec mariadbd --datadir=/var/lib/mysql --bind-address=0.0.0.0 --port=3306 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci

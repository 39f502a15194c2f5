#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are running on this machine.
# Idempotent: installs with apt-get when missing, starts when stopped, and lets the `postgres`
# role connect over 127.0.0.1 without a password (what the default DATABASE_URL assumes).
# Local development and CI only; production uses managed services configured through the chart.
set -euo pipefail

log() { echo "[services] $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # $1 port, $2 name
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  log "$2 did not come up on 127.0.0.1:$1"; return 1
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"; apt_install postgresql postgresql-contrib
  fi
  local version cluster_conf
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    log "creating cluster $version/main"; as_root pg_createcluster "$version" main >/dev/null
  fi
  cluster_conf="/etc/postgresql/$version/main"
  # Trust local loopback connections: a developer/CI machine, never a production server.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$cluster_conf/pg_hba.conf"; then
    log "allowing password-less loopback connections"
    as_root sed -i '/^# partner-platform/d;/^host all all 127.0.0.1\/32 trust/d;/^host all all ::1\/128 trust/d' "$cluster_conf/pg_hba.conf"
    as_root sed -i '1i # partner-platform: local development trusts loopback\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$cluster_conf/pg_hba.conf"
    if port_open 5432; then as_root pg_ctlcluster "$version" main reload; fi
  fi
  # Tenant databases per test run: more connections than the default 100.
  if ! grep -q '^max_connections = 400' "$cluster_conf/postgresql.conf"; then
    echo "max_connections = 400" | as_root tee -a "$cluster_conf/postgresql.conf" >/dev/null
    if port_open 5432; then as_root pg_ctlcluster "$version" main restart; fi
  fi
  if ! port_open 5432; then
    log "starting PostgreSQL $version"; as_root pg_ctlcluster "$version" main start
  fi
  wait_port 5432 PostgreSQL
}

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installing Redis"; apt_install redis-server
  fi
  if ! port_open 6379; then
    log "starting Redis"
    # Daemonized directly: works with and without systemd (CI containers have none).
    as_root redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly yes \
      --dir /var/lib/redis --logfile /var/log/redis/redis-server.log >/dev/null 2>&1 \
      || redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  fi
  wait_port 6379 Redis
  # The port opens before Redis has loaded its data; it answers LOADING until then.
  for _ in $(seq 1 60); do
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.5
  done
  log "Redis on 127.0.0.1:6379 does not answer PING"; return 1
}

ensure_postgres
ensure_redis
log "PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 are up"

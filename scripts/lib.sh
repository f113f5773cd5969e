# Shared by scripts/start.sh and scripts/test.sh: make a fresh Debian machine of this kind
# ready (pnpm, MariaDB, Redis, Chromium), idempotently. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[campus]\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian"
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_pnpm() {
  if ! have pnpm || [ "$(pnpm -v | cut -d. -f1)" != "10" ]; then
    log "installing pnpm 10"
    npm install -g pnpm@10 >/dev/null
  fi
}

ensure_deps() {
  ensure_pnpm
  log "installing dependencies"
  pnpm install --frozen-lockfile --reporter=silent
  node scripts/prisma-generate.mjs >/dev/null
}

wait_for() { # wait_for <what> <command...>
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$what did not come up" >&2; return 1
}

# MariaDB and Redis are the real services. Started here only where installed but stopped.
ensure_mariadb() {
  if mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then return 0; fi
  have mariadbd || apt_install mariadb-server
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB mysqladmin -h 127.0.0.1 -u root ping
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  have redis-server || apt_install redis-server
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/campus.log
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

# Monitoring (Debian's Prometheus, Alertmanager and exporters). Installed without starting
# their systemd units (policy-rc.d), then run as plain processes by scripts/monitoring/stack.
MONITORING_PACKAGES=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-mysqld-exporter
  prometheus-redis-exporter prometheus-blackbox-exporter prometheus-libvirt-exporter curl)
ensure_monitoring_packages() {
  local missing=() p
  for p in "${MONITORING_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  local rc=0
  apt_install "${missing[@]}" || rc=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}

# The monitoring stack for this checkout (data under .data/monitoring; MONITORING=0 skips it).
# The platform writes the scrape targets into .data/monitoring/targets and reads the
# Alertmanager webhook token from the file the stack generates.
ensure_monitoring() {
  [ "${MONITORING:-1}" = 0 ] && return 0
  ensure_monitoring_packages
  export MON_DIR="$ROOT/.data/monitoring"
  export MON_RETENTION="${PROMETHEUS_RETENTION:-15d}" MON_RETENTION_SIZE="${PROMETHEUS_RETENTION_SIZE:-2GB}"
  export MON_PROM_PORT="${PROMETHEUS_PORT:-9090}" MON_AM_PORT="${ALERTMANAGER_PORT:-9093}"
  export MON_WEBHOOK_URL="http://127.0.0.1:${PORT:-3000}/api/monitoring/alerts"
  export ALERT_WEBHOOK_TOKEN_FILE="${ALERT_WEBHOOK_TOKEN_FILE:-$MON_DIR/alert-webhook-token}"
  export MON_WEBHOOK_TOKEN_FILE="$ALERT_WEBHOOK_TOKEN_FILE"
  if [ -n "${METRICS_TOKEN_FILE:-}" ]; then export MON_METRICS_TOKEN_FILE="$METRICS_TOKEN_FILE"
  elif [ -n "${METRICS_TOKEN:-}" ]; then
    mkdir -p "$MON_DIR"; (umask 077; printf '%s' "$METRICS_TOKEN" >"$MON_DIR/metrics-token")
    export MON_METRICS_TOKEN_FILE="$MON_DIR/metrics-token"
  fi
  export MONITORING_TARGETS_DIR="${MONITORING_TARGETS_DIR:-$MON_DIR/targets}"
  export PROMETHEUS_URL="${PROMETHEUS_URL:-http://127.0.0.1:$MON_PROM_PORT}"
  log "starting the monitoring stack (Prometheus :$MON_PROM_PORT, Alertmanager :$MON_AM_PORT)"
  scripts/monitoring/stack up
}

# Shared by scripts/start.sh and scripts/test.sh: make a fresh Debian machine of this kind
# ready (pnpm, MariaDB, Redis, Swift for S3, Chromium, an SMTP sink), idempotently. Sourced, not run.
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

# The tunnel tests and benchmark drive the tunnel gateway with the stock OpenSSH client.
ensure_ssh_client() {
  have ssh && have ssh-keygen || apt_install openssh-client
}

# The tests' SMTP server (scripts/mail/smtp_sink.py) runs on Debian's python3-aiosmtpd.
ensure_mail_sink() {
  apt_install python3-aiosmtpd
}

# --------------------------------------------------------------------------- object storage
# OpenStack Swift with its s3api middleware is the S3 server (the one installable from Debian
# here). Single node: one device under /srv/node, one replica, servers on 127.0.0.1 (proxy on
# SWIFT_PORT, default 8080), memcached for tempauth's tokens. Configured once, then started
# when stopped, with pid files in /run/swift like MariaDB and Redis. The platform speaks only
# S3 to it. SWIFT_ACCOUNTS are the platform identities (one Swift account each, so the dev
# server and the tests keep separate bucket namespaces); each key is in
# /etc/swift/campus-keys/<account>.key, for S3_SECRET_ACCESS_KEY_FILE.
SWIFT_PORT="${SWIFT_PORT:-8080}"
SWIFT_BIND_IP="${SWIFT_BIND_IP:-127.0.0.1}"
SWIFT_ACCOUNTS="${SWIFT_ACCOUNTS:-campus campustest}"
# Origins allowed to send presigned requests from a browser: "*" (the default: presigned URLs
# carry their own short-lived signature, never a cookie, so CORS guards nothing here) or a
# comma-separated list such as https://cloud.example.edu.
SWIFT_CORS_ORIGINS="${SWIFT_CORS_ORIGINS:-*}"
SWIFT_DEVICES=/srv/node
SWIFT_KEYS=/etc/swift/campus-keys

ensure_memcached() {
  if (exec 3<>/dev/tcp/127.0.0.1/11211) 2>/dev/null; then return 0; fi
  have memcached || apt_install memcached
  log "starting memcached"
  mkdir -p /run/memcached && chown memcache /run/memcached
  memcached -d -u memcache -l 127.0.0.1 -p 11211 -m 64 -P /run/memcached/campus.pid
  wait_for memcached bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211'
}

# Writes a template with @NAME@ placeholders replaced by the values given as NAME=value.
render() { # render <template> <output> NAME=value...
  local template=$1 out=$2; shift 2
  # bash 5.2 would read "&" in a replacement as the matched text.
  shopt -u patsub_replacement 2>/dev/null || true
  local text; text="$(cat "$template")"
  for kv in "$@"; do text="${text//@${kv%%=*}@/${kv#*=}}"; done
  printf '%s\n' "$text" > "$out.tmp" && mv "$out.tmp" "$out"
}

swift_configure() {
  local dir=/etc/swift
  mkdir -p "$dir" "$SWIFT_KEYS" /run/swift /var/log/swift /var/cache/swift "$SWIFT_DEVICES/d1"
  chmod 700 "$SWIFT_KEYS"
  if ! grep -q '^# campus-cloud' "$dir/swift.conf" 2>/dev/null; then
    # Debian ships "changeme" hash salts and sample users with known keys: replaced, once.
    log "configuring Swift (single node, one replica)"
    cat > "$dir/swift.conf" <<CONF
# campus-cloud: written once by scripts/lib.sh; the salts must never change afterwards.
[swift-hash]
swift_hash_path_suffix = $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
swift_hash_path_prefix = $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

[storage-policy:0]
name = Policy-0
default = yes
CONF
  fi
  local kind port
  for kind in object:6200 container:6201 account:6202; do
    port=${kind#*:}; kind=${kind%%:*}
    render scripts/swift/storage-server.conf.in "$dir/$kind-server.conf" KIND="$kind" PORT="$port" DEVICES="$SWIFT_DEVICES"
    if [ ! -f "$dir/$kind.ring.gz" ]; then
      ( cd "$dir" && swift-ring-builder "$kind.builder" create 10 1 1 >/dev/null \
        && swift-ring-builder "$kind.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null \
        && swift-ring-builder "$kind.builder" rebalance >/dev/null )
    fi
  done
  local users="" account
  for account in $SWIFT_ACCOUNTS; do
    [ -s "$SWIFT_KEYS/$account.key" ] || (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$SWIFT_KEYS/$account.key")
    users+="user_${account}_platform = $(cat "$SWIFT_KEYS/$account.key") .admin"$'\n'
  done
  local strict=true
  [ "$SWIFT_CORS_ORIGINS" = "*" ] && strict=false
  render scripts/swift/proxy-server.conf.in "$dir/proxy-server.conf.new" BIND_IP="$SWIFT_BIND_IP" PORT="$SWIFT_PORT" WORKERS=2 \
    REGION="${S3_REGION:-us-east-1}" CORS_PREFLIGHT="$SWIFT_CORS_ORIGINS" CORS_LIST="$([ "$strict" = true ] && echo "$SWIFT_CORS_ORIGINS")" \
    CORS_STRICT="$strict" USERS="${users%$'\n'}"
  chmod 640 "$dir/proxy-server.conf.new"; chgrp swift "$dir/proxy-server.conf.new"
  if cmp -s "$dir/proxy-server.conf.new" "$dir/proxy-server.conf"; then rm "$dir/proxy-server.conf.new"
  else mv "$dir/proxy-server.conf.new" "$dir/proxy-server.conf"; SWIFT_PROXY_CHANGED=1; fi
  chown -R swift:swift "$SWIFT_DEVICES" /var/cache/swift
}

swift_running() { [ -f "/run/swift/$1.pid" ] && kill -0 "$(cat "/run/swift/$1.pid")" 2>/dev/null; }

ensure_swift() {
  have swift-proxy-server && have swift-object-server || apt_install swift swift-proxy swift-account swift-container swift-object memcached
  ensure_memcached
  SWIFT_PROXY_CHANGED=0
  swift_configure
  local server
  for server in account-server container-server object-server proxy-server; do
    if swift_running "$server"; then continue; fi
    log "starting Swift $server"
    start-stop-daemon --start --background --make-pidfile --pidfile "/run/swift/$server.pid" \
      --output "/var/log/swift/$server.log" --startas "/usr/bin/swift-$server" -- "/etc/swift/$server.conf" -v
    [ "$server" = proxy-server ] && SWIFT_PROXY_CHANGED=0
  done
  # A changed proxy configuration (a new identity, other CORS origins): seamless reload.
  [ "$SWIFT_PROXY_CHANGED" = 1 ] && { log "reloading the Swift proxy"; kill -USR1 "$(cat /run/swift/proxy-server.pid)"; sleep 1; }
  # python3 comes with Swift; curl may not be installed.
  wait_for "Swift (S3 on :$SWIFT_PORT)" python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$SWIFT_PORT/healthcheck', timeout=2)"
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

# Shared by scripts/start.sh and scripts/test.sh: make a fresh Debian machine of this kind
# ready (pnpm, MariaDB, Redis, Chromium, an SMTP sink), idempotently. Sourced, not run.
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

# The tests' SMTP server (scripts/mail/smtp_sink.py) runs on Debian's python3-aiosmtpd.
ensure_mail_sink() {
  apt_install python3-aiosmtpd
}

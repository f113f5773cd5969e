#!/usr/bin/env bash
# One command from a fresh machine to a running platform: dependencies, services,
# migrations, the first admin, a lab hypervisor host (LAB_HOSTS=N, 0 for none), the SPA
# build, the monitoring stack (Prometheus, Alertmanager, exporters; MONITORING=0 skips it),
# then the server on one port.
source "$(dirname "$0")/lib.sh"

if [ ! -f .env ]; then
  log "creating .env from .env.example (with a generated admin password)"
  pw="$(node -e "console.log(require('crypto').randomBytes(12).toString('base64url'))")"
  sed "s|^ADMIN_PASSWORD=.*|ADMIN_PASSWORD=$pw|" .env.example > .env
  chmod 600 .env
fi
# Two-factor secrets are sealed with this key: made once, then kept (losing it turns off
# every account's two-factor sign-in, see README).
if ! grep -qE '^TOTP_ENCRYPTION_KEY(_FILE)?=.+' .env; then
  log "generating TOTP_ENCRYPTION_KEY in .env"
  key="$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")"
  if grep -q '^TOTP_ENCRYPTION_KEY=' .env; then sed -i "s|^TOTP_ENCRYPTION_KEY=.*|TOTP_ENCRYPTION_KEY=$key|" .env
  else printf 'TOTP_ENCRYPTION_KEY=%s\n' "$key" >> .env; fi
fi
set -a; source .env; set +a

ensure_deps
ensure_mariadb
ensure_redis
ensure_swift
ensure_monitoring
pnpm --silent migrate
pnpm --silent seed
if [ "${LAB_HOSTS:-1}" != 0 ]; then
  log "bringing up ${LAB_HOSTS:-1} lab hypervisor host(s) and registering them"
  scripts/lab/lab up "${LAB_HOSTS:-1}"
  pnpm exec tsx scripts/register-lab-hosts.ts
fi
log "building the web app"
pnpm --filter @campus/web build >/dev/null

export NODE_ENV=production WEB_DIST="$ROOT/web/dist"
url="http://127.0.0.1:${PORT:-3000}"
log "Campus Cloud: $url"
log "admin login: ${ADMIN_EMAIL:-admin@campus.local} / ${ADMIN_PASSWORD:-(printed by the seed above)}"
exec pnpm --filter @campus/server --silent start

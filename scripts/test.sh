#!/usr/bin/env bash
# Every test: types, unit, integration (real MariaDB + Redis + Swift (S3) + two lab hypervisor hosts over
# SSH), browser e2e (Debian Chromium). Brings the lab up first; takes it down afterwards if it
# started it (always in CI).
source "$(dirname "$0")/lib.sh"

ensure_deps
ensure_mariadb
ensure_redis
ensure_swift
ensure_chromium
ensure_mail_sink
ensure_ssh_client
# The monitoring tests start their own Prometheus/Alertmanager/exporters (scripts/monitoring/stack,
# short intervals, free ports, a temporary directory), so only the packages are needed here.
ensure_monitoring_packages

lab_was_up=0
[ "$(node -e 'try{console.log(require("./.data/lab/hosts.json").length)}catch{console.log(0)}')" -ge 2 ] && lab_was_up=1
log "bringing up the lab (2 hypervisor hosts)"
start=$(date +%s)
scripts/lab/lab up 2
log "lab up in $(( $(date +%s) - start )) s"
if [ "${CI:-}" = "true" ] || [ "$lab_was_up" = 0 ]; then
  trap 'log "taking the lab down"; scripts/lab/lab down >/dev/null 2>&1 || true' EXIT
fi

log "type-checking server and web"
pnpm exec tsc -p server
pnpm --filter @campus/web typecheck

log "building the web app for the browser tests"
pnpm --filter @campus/web build >/dev/null

mkdir -p .data
log "running tests"
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.data/test-results.json || status=$?
node -e '
  const r = require("./.data/test-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status

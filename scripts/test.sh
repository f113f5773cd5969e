#!/usr/bin/env bash
# Every test: types, unit, integration (real MariaDB + Redis), browser e2e (Debian Chromium).
source "$(dirname "$0")/lib.sh"

ensure_deps
ensure_mariadb
ensure_redis
ensure_chromium

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

#!/usr/bin/env bash
# Benchmarks (scripts, never timed tests). Usage: bash scripts/bench/run.sh [api|ssh|vms|containers|monitoring|storage|tunnels|tunnel-forwards|networks|guest-networks|scale] [--duration N]
source "$(dirname "$0")/../lib.sh"
ensure_deps; ensure_mariadb; ensure_redis
[ "${1:-api}" = storage ] && ensure_swift
[ "${1:-api}" = api ] && { have wrk || apt_install wrk; }
what="${1:-api}"; shift || true
[ "$what" = monitoring ] && ensure_monitoring_packages
[ "$what" = tunnels ] && ensure_ssh_client
exec pnpm exec tsx "scripts/bench/$what.ts" "$@"

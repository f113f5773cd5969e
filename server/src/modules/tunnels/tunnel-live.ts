import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { config } from '../../config.js';
import { logger } from '../../platform/logger.js';
import { registry } from '../../platform/metrics.js';
import { createRedis, redis, rkey } from '../../platform/redis.js';
import { execute, query } from '../../platform/sql.js';
import type { Relay } from './tunnel-relay.js';

// The tunnels this process holds open, and how every process agrees on them:
// - a lease per live tunnel in Redis (SET NX with this process's id, renewed every tick), so
//   one tunnel is bound by one connection in one process at a time, and a crashed holder's
//   lease runs out;
// - a Redis channel on which a close (by its owner, an admin, a disabled account) reaches the
//   holding process at once;
// - a tick (every LIVE_TICK_MS) that writes the live counters to the rows (the pages read
//   them there), closes what the database no longer allows (row gone, owner disabled, trial
//   over) and what sat idle past TUNNEL_IDLE_TIMEOUT_SECONDS.

export const HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const LEASE_MS = 30_000;
export const LIVE_TICK_MS = 2000;

export interface LiveTunnel {
  id: string;
  ownerId: string;
  kind: string;
  relay: Relay;
  /** Ends the tunnel here: stops the listener, drops the client when asked. */
  close(reason: string): void;
}

const live = new Map<string, LiveTunnel>();
const leaseKey = (id: string) => rkey('tunnel', 'lease', id);
const CLOSE_CHANNEL = () => rkey('tunnels', 'close');

export const liveTunnels = (): LiveTunnel[] => [...live.values()];
export const liveTunnel = (id: string): LiveTunnel | undefined => live.get(id);

const bytesTotal = new Counter({ name: 'tunnel_bytes_total', help: 'Bytes relayed through tunnels (in: from the public side; out: back to it)', labelNames: ['direction'] as const, registers: [registry] });
const connectionsTotal = new Counter({ name: 'tunnel_connections_total', help: 'Public connections to tunnels, accepted or refused (tunnel full)', labelNames: ['outcome'] as const, registers: [registry] });
const tunnelBytes = new Gauge({
  name: 'tunnel_bytes', help: 'Bytes relayed by each live tunnel since it was made', labelNames: ['tunnel_id', 'kind', 'direction'] as const, registers: [registry],
  collect() {
    this.reset();
    for (const t of live.values()) {
      this.set({ tunnel_id: t.id, kind: t.kind, direction: 'in' }, t.relay.bytesIn);
      this.set({ tunnel_id: t.id, kind: t.kind, direction: 'out' }, t.relay.bytesOut);
    }
  },
});
new Gauge({
  name: 'tunnels_live', help: 'Tunnels with a connected client, by kind', labelNames: ['kind'] as const, registers: [registry],
  collect() {
    this.reset();
    const byKind = new Map<string, number>();
    for (const t of live.values()) byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) this.set({ kind }, n);
  },
});
new Gauge({
  name: 'tunnel_connections', help: 'Open public connections through tunnels', registers: [registry],
  collect() { this.set([...live.values()].reduce((n, t) => n + t.relay.connections, 0)); },
});
void tunnelBytes;

export const countBytes = (direction: 'in' | 'out', n: number) => bytesTotal.inc({ direction }, n);
export const countConnection = (outcome: 'accepted' | 'refused') => connectionsTotal.inc({ outcome });

/** Takes the tunnel's lease for this process; false when another connection holds it. */
export async function claimLease(id: string): Promise<boolean> {
  return (await redis.set(leaseKey(id), HOLDER, 'PX', LEASE_MS, 'NX')) === 'OK';
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export async function releaseLease(id: string): Promise<void> {
  await redis.eval(RELEASE, 1, leaseKey(id), HOLDER);
}

/** Which of these tunnels some process holds now. */
export async function leased(ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const values = await redis.mget(...ids.map(leaseKey));
  return new Set(ids.filter((_, i) => values[i] !== null));
}

export function registerLive(t: LiveTunnel): void {
  live.set(t.id, t);
  ensureLoop();
}

export function unregisterLive(id: string): void {
  live.delete(id);
}

/** Tells whichever process holds the tunnel to close it now. */
export async function announceClose(id: string, reason: string): Promise<void> {
  live.get(id)?.close(reason);
  await redis.publish(CLOSE_CHANNEL(), JSON.stringify({ id, reason }));
}

let subscriber: Redis | undefined;
let timer: NodeJS.Timeout | undefined;

function ensureLoop(): void {
  if (!subscriber) {
    subscriber = createRedis();
    subscriber.subscribe(CLOSE_CHANNEL()).catch((err: unknown) => logger.error({ err }, 'tunnel close channel not subscribed'));
    subscriber.on('message', (_ch, raw: string) => {
      try {
        const m = JSON.parse(raw) as { id?: unknown; reason?: unknown };
        if (typeof m.id === 'string') live.get(m.id)?.close(typeof m.reason === 'string' ? m.reason : 'closed');
      } catch { /* not ours */ }
    });
  }
  timer ??= setInterval(() => void tick().catch((err: unknown) => logger.warn({ err }, 'tunnel tick failed')), LIVE_TICK_MS).unref();
}

/** One pass over this process's live tunnels (exported for tests). */
export async function tick(): Promise<void> {
  const tunnels = [...live.values()];
  if (tunnels.length === 0) return;
  const now = Date.now();
  for (const t of tunnels) await redis.eval(RENEW, 1, leaseKey(t.id), HOLDER, String(LEASE_MS));
  const ids = tunnels.map((t) => t.id);
  const allowed = new Set((await query<{ id: string }>(
    `SELECT t.id FROM Tunnel t JOIN \`User\` u ON u.id = t.ownerId
     WHERE t.id IN (${ids.map(() => '?').join(', ')}) AND u.status = 'active' AND (u.trialEndsAt IS NULL OR u.trialEndsAt > ?)`,
    [...ids, new Date(now)])).map((r) => r.id));
  for (const t of tunnels) {
    if (!allowed.has(t.id)) { t.close('closed'); continue; }
    if (now - t.relay.lastActive > config.TUNNEL_IDLE_TIMEOUT_SECONDS * 1000 && t.relay.connections === 0) { t.close('idle'); continue; }
    // Only what moved since the last tick is written: an idle tunnel costs no statement.
    const signature = `${t.relay.bytesIn}:${t.relay.bytesOut}:${t.relay.connections}:${t.relay.totalConnections}`;
    if (flushed.get(t.relay) === signature) continue;
    flushed.set(t.relay, signature);
    await execute('UPDATE Tunnel SET bytesIn = ?, bytesOut = ?, connections = ?, totalConnections = totalConnections + ?, lastActiveAt = ? WHERE id = ?', [
      t.relay.bytesIn, t.relay.bytesOut, t.relay.connections, takeNewConnections(t), new Date(t.relay.lastActive), t.id]);
  }
}

const flushed = new WeakMap<Relay, string>();

const counted = new WeakMap<Relay, number>();
function takeNewConnections(t: LiveTunnel): number {
  const before = counted.get(t.relay) ?? 0;
  counted.set(t.relay, t.relay.totalConnections);
  return t.relay.totalConnections - before;
}

/** Closes every live tunnel here and stops the loop (shutdown, tests). */
export async function stopLive(): Promise<void> {
  for (const t of [...live.values()]) t.close('shutdown');
  if (timer) clearInterval(timer);
  timer = undefined;
  const s = subscriber;
  subscriber = undefined;
  if (s) await s.quit().catch(() => s.disconnect());
}

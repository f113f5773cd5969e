import { Counter, Gauge } from 'prom-client';
import { config } from '../../config.js';
import { registry } from '../../platform/metrics.js';
import { logger } from '../../platform/logger.js';
import { AppError } from '../../platform/errors.js';
import { createDriverFactory, type DriverFactory, type HostDrivers } from '../../drivers/factory.js';
import { SshPool } from '../../drivers/ssh/ssh-pool.js';
import { ensureIdentity, type SshIdentity } from '../../drivers/ssh/ssh-identity.js';
import type { SshTarget } from '../../drivers/ssh/ssh-connection.js';

// The process's one SSH identity, pool and driver factory, made on first use. Other modules
// reach hosts through here (and the drivers), never through ssh2 directly.

interface Runtime { identity: SshIdentity; pool: SshPool; factory: DriverFactory }
let runtime: Promise<Runtime> | undefined;

export function hostRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const identity = await ensureIdentity(config.SSH_KEY_FILE);
    const pool = new SshPool({
      privateKey: identity.privateKey, readyTimeoutMs: config.SSH_CONNECT_TIMEOUT_MS, logger,
      maxQueuedPerHost: config.SSH_QUEUE_MAX_PER_HOST, queueWaitMs: config.SSH_QUEUE_WAIT_MS,
    });
    const factory = createDriverFactory({ runner: pool, streams: pool, privateKey: identity.privateKey });
    return { identity, pool, factory };
  })();
  return runtime;
}

// This process's SSH connections: one per host, and the channels (commands, consoles) on it.
const poolStats = async () => (runtime ? (await runtime).pool.stats() : []);
new Gauge({
  name: 'ssh_connections_open', help: 'SSH connections to hosts this process holds open', registers: [registry],
  async collect() { this.set((await poolStats()).filter((s) => s.connected).length); },
});
new Gauge({
  name: 'ssh_channels', help: 'SSH channels per host connection: in use, and waiting for a free slot',
  labelNames: ['host', 'state'] as const, registers: [registry],
  async collect() {
    const stats = await poolStats();
    this.reset();
    for (const s of stats) {
      this.set({ host: s.host, state: 'active' }, s.active);
      this.set({ host: s.host, state: 'queued' }, s.queued);
    }
  },
});

new Counter({
  name: 'ssh_commands_total', help: 'Commands run and port forwards opened on hosts through this process\'s SSH pool',
  labelNames: ['kind'] as const, registers: [registry],
  async collect() {
    const counts = runtime ? (await runtime).pool.startedCounts : { commands: 0, forwards: 0 };
    this.reset();
    this.inc({ kind: 'command' }, counts.commands);
    this.inc({ kind: 'forward' }, counts.forwards);
  },
});

/** Commands plus forwards this process's pool has started so far (tests compare before and after). */
export async function sshWorkStarted(): Promise<number> {
  if (!runtime) return 0;
  const { commands, forwards } = (await runtime).pool.startedCounts;
  return commands + forwards;
}

export interface HostRow {
  address: string; port: number; sshUser: string; hostKeySha256: string | null; kind: string; imageDir: string;
}

export const targetOf = (h: HostRow, pin = h.hostKeySha256): SshTarget => ({
  address: h.address, port: h.port, user: h.sshUser, ...(pin ? { hostKeySha256: pin } : {}),
});

export async function driversFor(h: HostRow): Promise<HostDrivers> {
  const { factory } = await hostRuntime();
  return factory.driversFor({ ...targetOf(h), kind: h.kind, imageDir: h.imageDir });
}

/** Channel slots on a host that long streams (consoles, terminals, live logs) leave free for commands (operations, probes). */
const SLOTS_KEPT_FOR_COMMANDS = 2;

/**
 * A long stream holds a channel for as long as it is open: refuse a new one (503, in words)
 * when the host's streams would take the slots that operations and health checks need.
 */
export async function assertStreamRoom(h: HostRow & { name: string }, what: string): Promise<void> {
  const { pool } = await hostRuntime();
  const slots = pool.channelStats(targetOf(h));
  if (slots.active + slots.queued >= slots.limit - SLOTS_KEPT_FOR_COMMANDS) {
    throw new AppError('SERVICE_UNAVAILABLE', `Too many ${what} are open on ${h.name}; close one and try again.`);
  }
}

export async function closeHostConnections(): Promise<void> {
  if (runtime) (await runtime).pool.closeAll();
}

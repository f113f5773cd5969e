import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { config } from '../../config.js';
import { logger } from '../../platform/logger.js';
import { createRedis, redis, rkey } from '../../platform/redis.js';
import { AppError } from '../../platform/errors.js';
import { onAccountDisabled } from '../../platform/account-events.js';

// Who has consoles open, across every server process: a cap per user and per VM (a console
// holds an SSH channel on the VM's host), a maximum duration, and a way to close a user's
// consoles from any process (a disabled account). Each open console is a member of two Redis
// sorted sets scored by the time it must end, so a process that died without saying so
// leaves nothing that counts for longer than the maximum duration.

const userKey = (userId: string) => rkey('console-open', 'user', userId);
const vmKey = (vmId: string) => rkey('console-open', 'vm', vmId);
const CLOSE_CHANNEL = () => rkey('console-close');

// KEYS: user set, vm set. ARGV: now, ends-at, member, user cap, vm cap, ttl seconds.
const reserveScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local u = redis.call('ZCARD', KEYS[1])
if u >= tonumber(ARGV[4]) then return {1, u} end
local v = redis.call('ZCARD', KEYS[2])
if v >= tonumber(ARGV[5]) then return {2, v} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {0, 0}`;

export const consoleMaxMs = () => config.CONSOLE_MAX_MINUTES * 60_000;

export interface ConsoleSlot { id: string; userId: string; vmId: string; release(): Promise<void> }

/** Takes a console slot for the user and the VM, or says in words which cap is reached. */
export async function reserveConsoleSlot(userId: string, vmId: string, vmName: string): Promise<ConsoleSlot> {
  const id = randomUUID();
  const now = Date.now();
  const ttl = Math.ceil(consoleMaxMs() / 1000) + 60;
  const [which, n] = (await redis.eval(reserveScript, 2, userKey(userId), vmKey(vmId), now, now + consoleMaxMs() + 30_000, id,
    config.CONSOLE_MAX_PER_USER, config.CONSOLE_MAX_PER_VM, ttl)) as [number, number];
  if (which === 1) throw new AppError('RATE_LIMITED', `You have ${n} consoles open, the most at once; close one first.`, { limit: config.CONSOLE_MAX_PER_USER });
  if (which === 2) throw new AppError('RATE_LIMITED', `${vmName} has ${n} consoles open, the most at once; close one first.`, { limit: config.CONSOLE_MAX_PER_VM });
  let released = false;
  return {
    id, userId, vmId,
    async release() {
      if (released) return;
      released = true;
      await redis.multi().zrem(userKey(userId), id).zrem(vmKey(vmId), id).exec().catch((err: unknown) => logger.warn({ err }, 'console slot not released'));
    },
  };
}

/** Open consoles of this process, by slot id: what a close request reaches. */
const local = new Map<string, { userId: string; vmId: string; close(reason: string): void }>();
let subscriber: Redis | undefined;

export function trackConsole(slot: ConsoleSlot, close: (reason: string) => void): () => void {
  local.set(slot.id, { userId: slot.userId, vmId: slot.vmId, close });
  ensureSubscribed();
  return () => { local.delete(slot.id); };
}

function ensureSubscribed() {
  if (subscriber) return;
  subscriber = createRedis();
  subscriber.subscribe(CLOSE_CHANNEL()).catch((err: unknown) => logger.error({ err }, 'console close channel not subscribed'));
  subscriber.on('message', (_channel, raw: string) => {
    let msg: { userId?: unknown; reason?: unknown };
    try { msg = JSON.parse(raw) as typeof msg; } catch { return; }
    for (const c of [...local.values()]) if (c.userId === msg.userId) c.close(typeof msg.reason === 'string' ? msg.reason : 'closed');
  });
}

/** Closes every console the user has open, in whichever process holds it. */
export async function closeUserConsoles(userId: string, reason: string): Promise<void> {
  await redis.publish(CLOSE_CHANNEL(), JSON.stringify({ userId, reason }));
}

/** This process's subscription ends (shutdown). */
export async function stopConsoleSessions(): Promise<void> {
  const s = subscriber;
  subscriber = undefined;
  await s?.quit().catch(() => undefined);
}

onAccountDisabled('consoles', (userId) => closeUserConsoles(userId, 'account disabled'));

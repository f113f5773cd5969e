import type { Redis } from 'ioredis';
import { createRedis, rkey } from '../redis.js';
import { logger } from '../logger.js';

// Whoever waits for an operation (GET /api/operations/:id?waitMs=..., a CLI, the bench) hears
// its end at once instead of polling: the process that ran it publishes the id on one Redis
// channel, and each process keeps one subscription for the waiters it holds.

const channel = () => rkey('operation-ended');
const waiters = new Map<string, Set<() => void>>();
let subscriber: Redis | undefined;
let subscribed: Promise<unknown> = Promise.resolve();

function ensureSubscribed() {
  if (subscriber) return;
  subscriber = createRedis();
  subscribed = subscriber.subscribe(channel()).catch((err: unknown) => logger.error({ err }, 'operation-end channel not subscribed'));
  subscriber.on('message', (_ch, id: string) => {
    for (const wake of waiters.get(id) ?? []) wake();
  });
}

/** Tells every process that the operation ended (best effort: waiters also time out). */
export async function publishOperationEnd(publisher: Pick<Redis, 'publish'>, id: string): Promise<void> {
  await publisher.publish(channel(), id).catch((err: unknown) => logger.warn({ err, operationId: id }, 'operation end not published'));
}

/**
 * Waits until the operation is over or `ms` pass. `isOver` is read after the subscription is
 * in place, so an end that lands between the caller's read and the wait is not missed.
 */
export async function waitForOperationEnd(id: string, ms: number, isOver: () => Promise<boolean>): Promise<void> {
  ensureSubscribed();
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => { wake = resolve; });
  const set = waiters.get(id) ?? new Set();
  set.add(wake);
  waiters.set(id, set);
  const timer = setTimeout(wake, ms);
  try {
    await subscribed;
    if (await isOver()) return;
    await woken;
  } finally {
    clearTimeout(timer);
    set.delete(wake);
    if (set.size === 0) waiters.delete(id);
  }
}

export async function closeOperationEnds(): Promise<void> {
  const s = subscriber;
  subscriber = undefined;
  for (const set of waiters.values()) for (const wake of set) wake();
  waiters.clear();
  await s?.quit().catch(() => undefined);
}

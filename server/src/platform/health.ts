import type { RequestHandler } from 'express';
import { db } from './db.js';
import { redis } from './redis.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/** Ready only when the database and Redis answer; a load balancer drains us otherwise. */
export const readyz: RequestHandler = async (_req, res) => {
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await withTimeout(fn(), 2000);
      return 'ok';
    } catch (err) {
      return `down: ${(err as Error).message}`;
    }
  };
  const [database, cache] = await Promise.all([check(() => db.$queryRaw`SELECT 1`), check(() => redis.ping())]);
  const ok = database === 'ok' && cache === 'ok';
  res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks: { database, redis: cache } });
};

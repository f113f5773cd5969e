import type { RequestHandler } from 'express';
import { z } from 'zod';
import { db } from './db.js';
import { redis } from './redis.js';
import { maySeeReadiness } from './ops-access.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

export const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.string()).optional().describe("Each check's result; only for admins, the metrics token, or locally while it is unset"),
});

export type ReadinessChecks = Record<string, () => Promise<unknown>>;

const defaultChecks: ReadinessChecks = {
  database: () => db.$queryRaw`SELECT 1`,
  redis: () => redis.ping(),
};

/**
 * Ready only when the database and Redis answer; a load balancer drains us otherwise. The
 * public (the load balancer) learns ready or not; each check's result, with its error text,
 * only goes to whoever may read /metrics or to an admin (ops-access.ts).
 */
export const readyz = (checks: ReadinessChecks = defaultChecks, metricsToken?: string): RequestHandler => async (req, res) => {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, fn]) => {
      try {
        await withTimeout(fn(), 2000);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, `down: ${(err as Error).message}`] as const;
      }
    }),
  );
  const ok = entries.every(([, v]) => v === 'ok');
  const status = ok ? 'ready' : 'not ready';
  const details = await maySeeReadiness(req, metricsToken);
  res.status(ok ? 200 : 503).json(details ? { status, checks: Object.fromEntries(entries) } : { status });
};

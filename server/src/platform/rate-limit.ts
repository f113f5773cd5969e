import type { Request, RequestHandler } from 'express';
import { config } from '../config.js';
import { redis, rkey } from './redis.js';
import { errors } from './errors.js';

// Fixed-window counters in Redis, shared by every instance. One round trip: INCR and set
// the window's expiry on the first hit.
const hitScript = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}`;

export interface RateLimitRule {
  name: string;
  limit: () => number;
  windowSeconds: () => number;
  /** What to count by; undefined skips this rule for the request. */
  keyOf: (req: Request) => string | undefined;
}

/** Counts one hit on a named counter for `subject`; resolves to the hits in this window and its seconds left. */
export async function hit(name: string, subject: string, windowSeconds: number): Promise<{ count: number; ttl: number }> {
  const [count, ttl] = (await redis.eval(hitScript, 1, rkey('rl', name, subject), windowSeconds)) as [number, number];
  return { count, ttl };
}

/** Takes one hit back (a limit on failures counts every try first, so parallel tries cannot slip past it). */
export async function forgiveHit(name: string, subject: string): Promise<void> {
  // Only while the window lasts: a DECR on an expired key would leave a counter without expiry.
  await redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end return 0`, 1, rkey('rl', name, subject));
}

export function rateLimit(...rules: RateLimitRule[]): RequestHandler {
  return async (req, _res, next) => {
    for (const rule of rules) {
      const subject = rule.keyOf(req);
      if (subject === undefined) continue;
      const { count, ttl } = await hit(rule.name, subject, rule.windowSeconds());
      if (count > rule.limit()) return next(errors.rateLimited(Math.max(1, ttl)));
    }
    next();
  };
}

export const byIp = (req: Request) => req.ip ?? 'unknown';
export const byUser = (req: Request) => req.principal?.userId;
export const byBodyEmail = (req: Request) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Unauthenticated mutations per address, whatever the path: bounds what anonymous callers can
 * make the platform do and keep (password hashing, idempotency claims, audit rows). Runs
 * after the principal is known and before the body is parsed.
 */
export const anonymousMutationLimit = rateLimit({
  name: 'anon', limit: () => config.RATE_LIMIT_ANONYMOUS_PER_IP, windowSeconds: () => config.RATE_LIMIT_WINDOW_SECONDS,
  keyOf: (req) => (MUTATING.has(req.method) && !req.principal ? byIp(req) : undefined),
});

/**
 * Requests per user that make the platform work on a hypervisor host (VM operations, console
 * tunnels): one user cannot keep every host's SSH channels busy for everyone else.
 */
export const hostActionLimit = rateLimit({
  name: 'host-actions', limit: () => config.RATE_LIMIT_HOST_ACTIONS_PER_USER, windowSeconds: () => config.RATE_LIMIT_WINDOW_SECONDS, keyOf: byUser,
});

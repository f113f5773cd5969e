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

export function rateLimit(...rules: RateLimitRule[]): RequestHandler {
  return async (req, _res, next) => {
    for (const rule of rules) {
      const subject = rule.keyOf(req);
      if (subject === undefined) continue;
      const window = rule.windowSeconds();
      const [count, ttl] = (await redis.eval(hitScript, 1, rkey('rl', rule.name, subject), window)) as [number, number];
      if (count > rule.limit()) return next(errors.rateLimited(Math.max(1, ttl)));
    }
    next();
  };
}

export const byIp = (req: Request) => req.ip ?? 'unknown';
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

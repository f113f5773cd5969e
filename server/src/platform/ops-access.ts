import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { AppError } from './errors.js';
import { bearerOf, principalFromCredentials, sha256, sessionCookieOf } from './auth.js';

// Who may read the operations endpoints' details (/metrics; /readyz's checks). They name
// hosts, SSH targets (user@address:port), capacity and database errors. With METRICS_TOKEN
// set, the bearer token and nothing else; without it, only a direct connection from this
// machine (a Prometheus beside the server). /readyz also shows its checks to admins.

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * A connection from this machine that no proxy forwarded. A reverse proxy on the same machine
 * connects from loopback too, on behalf of anyone: any forwarding header disqualifies.
 */
export const directFromLoopback = (req: IncomingMessage): boolean =>
  LOOPBACK.test(req.socket.remoteAddress ?? '') &&
  req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined && req.headers['x-real-ip'] === undefined;

const sameSecret = (given: string, expected: string) => timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(expected), 'hex'));

export function mayReadOps(req: Request, token: string | undefined): boolean {
  if (!token) return directFromLoopback(req);
  const bearer = bearerOf(req);
  return bearer !== undefined && sameSecret(bearer, token);
}

/** Guards /metrics: 401 with a Bearer challenge when a token is configured, else 403 off this machine. */
export const opsOnly = (token: string | undefined): RequestHandler => (req, res, next) => {
  if (mayReadOps(req, token)) return next();
  if (token) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    return next(new AppError('UNAUTHENTICATED', 'This endpoint needs the metrics token (Authorization: Bearer <METRICS_TOKEN>).'));
  }
  next(new AppError('FORBIDDEN', 'This endpoint answers only to requests from the server\'s own machine; set METRICS_TOKEN to read it from elsewhere.'));
};

/** May see /readyz's checks: whoever may read /metrics, or a signed-in admin. */
export async function maySeeReadiness(req: Request, token: string | undefined): Promise<boolean> {
  if (mayReadOps(req, token)) return true;
  const bearer = bearerOf(req);
  const sessionCookie = sessionCookieOf(req);
  if (!bearer && !sessionCookie) return false;
  const principal = await principalFromCredentials({ bearer, sessionCookie }).catch(() => undefined);
  return principal?.role === 'admin' && principal.status === 'active';
}

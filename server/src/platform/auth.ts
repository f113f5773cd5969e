import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import { config } from '../config.js';
import { db } from './db.js';
import { redis, rkey } from './redis.js';
import { AppError, errors } from './errors.js';
import type { Principal } from './http/context.js';
import type { Role } from '../generated/prisma/enums.js';

// Sessions live in Redis (revocable, shared by every instance); the cookie holds only a
// random id whose hash is the key. Personal API tokens are stored hashed in MySQL.
// Every request re-reads the user row, so disabling a user or changing a role takes
// effect on the very next request, whatever credential is presented.

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const TOKEN_PREFIX = 'cc_';

const sessionKey = (hash: string) => rkey('sess', hash);
const userSessionsKey = (userId: string) => rkey('usess', userId);
const ttlSeconds = () => config.SESSION_TTL_HOURS * 3600;

export interface SessionRecord {
  userId: string;
  createdAt: string;
  ip?: string;
}

export async function createSession(userId: string, ip?: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const hash = sha256(id);
  const rec: SessionRecord = { userId, createdAt: new Date().toISOString(), ip };
  await redis
    .multi()
    .set(sessionKey(hash), JSON.stringify(rec), 'EX', ttlSeconds())
    .sadd(userSessionsKey(userId), hash)
    .expire(userSessionsKey(userId), ttlSeconds())
    .exec();
  return id;
}

export async function destroySession(id: string, userId: string): Promise<void> {
  const hash = sha256(id);
  await redis.multi().del(sessionKey(hash)).srem(userSessionsKey(userId), hash).exec();
}

/** Revokes every session of a user at once (disable, password change). */
export async function destroyUserSessions(userId: string): Promise<number> {
  const hashes = await redis.smembers(userSessionsKey(userId));
  const m = redis.multi();
  for (const h of hashes) m.del(sessionKey(h));
  m.del(userSessionsKey(userId));
  await m.exec();
  return hashes.length;
}

async function principalFromSession(id: string): Promise<Principal | undefined> {
  const raw = await redis.get(sessionKey(sha256(id)));
  if (!raw) return undefined;
  const rec = JSON.parse(raw) as SessionRecord;
  const user = await db.user.findUnique({
    where: { id: rec.userId },
    select: { id: true, email: true, role: true, status: true },
  });
  if (!user) return undefined;
  return { kind: 'session', userId: user.id, email: user.email, role: user.role, status: user.status, sessionId: id };
}

const LAST_USED_GRANULARITY_MS = 60_000;

async function principalFromToken(secret: string): Promise<Principal | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
  const token = await db.apiToken.findUnique({
    where: { tokenHash: sha256(secret) },
    select: {
      id: true, revokedAt: true, expiresAt: true, lastUsedAt: true,
      user: { select: { id: true, email: true, role: true, status: true } },
    },
  });
  const now = Date.now();
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= now)) return undefined;
  // Recording use on every call would turn each read into a write; once a minute is enough.
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  }
  const u = token.user;
  return { kind: 'token', userId: u.id, email: u.email, role: u.role, status: u.status, tokenId: token.id };
}

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** Resolves the caller if any credential is presented; never rejects by itself. */
export const resolvePrincipal: RequestHandler = async (req, _res, next) => {
  const bearer = bearerOf(req);
  const cookie = (req.cookies as Record<string, string> | undefined)?.[config.SESSION_COOKIE];
  if (bearer) req.principal = await principalFromToken(bearer);
  else if (cookie) req.principal = await principalFromSession(cookie);
  // A credential that does not resolve is an error, not an anonymous request: the caller
  // believes it is signed in and must be told otherwise.
  if ((bearer || cookie) && !req.principal && !isAuthEntry(req)) {
    return next(errors.unauthenticated('Your session has expired or the token is not valid. Sign in again.'));
  }
  next();
};

// Signing in or up with a stale cookie must work.
const isAuthEntry = (req: Request) =>
  req.method === 'POST' && (req.path === '/api/auth/login' || req.path === '/api/auth/signup' || req.path === '/api/auth/logout');

export const requireUser: RequestHandler = (req, _res, next) => {
  const p = req.principal;
  if (!p) return next(errors.unauthenticated());
  if (p.status !== 'active') return next(new AppError('ACCOUNT_DISABLED', 'This account has been disabled. Contact an administrator.'));
  next();
};

export const requireRole =
  (role: Role): RequestHandler =>
  (req, _res, next) => {
    if (req.principal?.role !== role) return next(errors.forbidden('This needs the administrator role.'));
    next();
  };

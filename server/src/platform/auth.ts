import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Request, Response } from 'express';
import { config } from '../config.js';
import { db } from './db.js';
import { redis, rkey } from './redis.js';
import { AppError, errors } from './errors.js';
import type { Principal } from './http/context.js';
import type { Role, TokenScope, UserStatus } from '../generated/prisma/enums.js';
import { queryOne } from './sql.js';

// Sessions live in Redis (revocable, shared by every instance); the cookie holds only a
// random id whose hash is the key. Personal API tokens are stored hashed in MySQL.
// Every request re-reads the user row, so disabling a user or changing a role takes
// effect on the very next request, whatever credential is presented.

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const TOKEN_PREFIX = 'cc_';

const sessionKey = (hash: string) => rkey('sess', hash);
const userSessionsKey = (userId: string) => rkey('usess', userId);
const ttlSeconds = () => config.SESSION_TTL_HOURS * 3600;

// The session record carries who the caller is (email, role, status), so an authenticated
// request costs one Redis round trip, not a database read. Correctness when an admin changes
// a role or status: every change bumps the user's auth version (after the DB commit); a
// session made under another version is re-read from the database on its next request.
export interface SessionRecord {
  userId: string;
  email: string;
  role: Role;
  status: UserStatus;
  /** The email address is confirmed (absent in records older than the field: verified). */
  verified?: boolean;
  /** Two-factor sign-in is on. */
  totp?: boolean;
  /** The user's auth version when this record was (re)written. */
  v: number;
  createdAt: string;
  ip?: string;
}

const authVersionKey = (userId: string) => rkey('uver', userId);

/** Call after committing a change to a user's role, status, email verification or two-factor. */
export async function bumpAuthVersion(userId: string): Promise<void> {
  await redis.incr(authVersionKey(userId));
}

interface UserAuthRow { id: string; email: string; role: Role; status: UserStatus; emailVerifiedAt: Date | null; totpEnabledAt: Date | null }

const loadUserAuth = (userId: string) =>
  queryOne<UserAuthRow>('SELECT id, email, role, status, emailVerifiedAt, totpEnabledAt FROM `User` WHERE id = ?', [userId]);

/** What a session record keeps of the user row. */
const authFields = (u: UserAuthRow) =>
  ({ email: u.email, role: u.role, status: u.status, verified: u.emailVerifiedAt !== null, totp: u.totpEnabledAt !== null });

/** Session ids are `<userId>.<256 random bits>`: the user id lets one round trip fetch both the record and the auth version. */
const SESSION_ID = /^([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/;

export async function createSession(userId: string, ip?: string): Promise<string> {
  const id = `${userId}.${randomBytes(32).toString('base64url')}`;
  const hash = sha256(id);
  // Version first, then the row: a change that lands in between makes the record stale, never wrong.
  const v = Number((await redis.get(authVersionKey(userId))) ?? 0);
  const user = await loadUserAuth(userId);
  if (!user) throw errors.unauthenticated();
  const rec: SessionRecord = { userId, ...authFields(user), v, createdAt: new Date().toISOString(), ip };
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

/** Revokes every session of a user at once (disable, password reset), or all but one (password change). */
export async function destroyUserSessions(userId: string, keepSessionId?: string): Promise<number> {
  const keep = keepSessionId ? sha256(keepSessionId) : undefined;
  const hashes = (await redis.smembers(userSessionsKey(userId))).filter((h) => h !== keep);
  const m = redis.multi();
  for (const h of hashes) m.del(sessionKey(h));
  if (!keep) m.del(userSessionsKey(userId));
  else if (hashes.length) m.srem(userSessionsKey(userId), ...hashes);
  await m.exec();
  return hashes.length;
}

export interface SessionSummary { createdAt: string; ip: string | null; expiresAt: string }

/** A user's live sessions, newest first (what an admin sees before signing them out everywhere). */
export async function listUserSessions(userId: string): Promise<SessionSummary[]> {
  const hashes = await redis.smembers(userSessionsKey(userId));
  if (!hashes.length) return [];
  const m = redis.multi();
  for (const h of hashes) m.get(sessionKey(h)).pttl(sessionKey(h));
  const replies = (await m.exec()) ?? [];
  const out: SessionSummary[] = [];
  for (let i = 0; i < hashes.length; i++) {
    const raw = replies[2 * i]?.[1] as string | null;
    const ttl = Number(replies[2 * i + 1]?.[1] ?? -2);
    if (!raw || ttl < 0) continue;
    const rec = JSON.parse(raw) as SessionRecord;
    out.push({ createdAt: rec.createdAt, ip: rec.ip ?? null, expiresAt: new Date(Date.now() + ttl).toISOString() });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

async function principalFromSession(id: string): Promise<Principal | undefined> {
  const m = SESSION_ID.exec(id);
  if (!m) return undefined;
  const key = sessionKey(sha256(id));
  // One MGET, not a pipeline: the same round trip without ioredis's Pipeline machinery.
  const [raw, version] = await redis.mget(key, authVersionKey(m[1]!));
  if (!raw) return undefined;
  let rec = JSON.parse(raw) as SessionRecord;
  if (rec.userId !== m[1]) return undefined;
  const current = Number(version ?? 0);
  if (rec.v !== current) {
    const user = await loadUserAuth(rec.userId);
    if (!user) return undefined;
    rec = { ...rec, ...authFields(user), v: current };
    await redis.set(key, JSON.stringify(rec), 'KEEPTTL');
  }
  return {
    kind: 'session', userId: rec.userId, email: rec.email, role: rec.role, status: rec.status,
    emailVerified: rec.verified ?? true, twoFactor: rec.totp ?? false, sessionId: id,
  };
}

const LAST_USED_GRANULARITY_MS = 60_000;

interface TokenAuthRow extends Omit<UserAuthRow, 'id'> {
  id: string; userId: string; scope: TokenScope; revokedAt: Date | null; expiresAt: Date | null; lastUsedAt: Date | null;
}

async function principalFromToken(secret: string): Promise<Principal | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
  // The user's row is read on every call, so disabling a user stops their tokens at once.
  const t = await queryOne<TokenAuthRow>(
    `SELECT t.id, t.scope, t.revokedAt, t.expiresAt, t.lastUsedAt, u.id AS userId, u.email, u.role, u.status, u.emailVerifiedAt, u.totpEnabledAt
     FROM ApiToken t JOIN \`User\` u ON u.id = t.userId WHERE t.tokenHash = ?`, [sha256(secret)]);
  const now = Date.now();
  if (!t || t.revokedAt || (t.expiresAt && t.expiresAt.getTime() <= now)) return undefined;
  // Recording use on every call would turn each read into a write; once a minute is enough.
  if (!t.lastUsedAt || now - t.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date(now) } });
  }
  return {
    kind: 'token', userId: t.userId, email: t.email, role: t.role, status: t.status,
    emailVerified: t.emailVerifiedAt !== null, twoFactor: t.totpEnabledAt !== null, tokenId: t.id, tokenScope: t.scope,
  };
}

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/**
 * The session cookie's name. With COOKIE_SECURE it carries the `__Host-` prefix: browsers then
 * take it only over HTTPS, for this exact host and path /, so neither plain HTTP nor a sibling
 * subdomain (students' own sites under the campus domain) can set or shadow it.
 */
export const sessionCookieName = () => (config.COOKIE_SECURE ? `__Host-${config.SESSION_COOKIE}` : config.SESSION_COOKIE);

// SameSite=Lax: other sites' requests never carry it (except top-level GET links, which
// change nothing); same-site cross-origin requests are refused by the origin check (csrf.ts).
const cookieOptions = () => ({ httpOnly: true, sameSite: 'lax' as const, secure: config.COOKIE_SECURE, path: '/' });

export function setSessionCookie(res: Response, sessionId: string): void {
  res.cookie(sessionCookieName(), sessionId, { ...cookieOptions(), maxAge: config.SESSION_TTL_HOURS * 3600 * 1000 });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(sessionCookieName(), cookieOptions());
}

/** The session cookie's value, read straight from the header (the only cookie the API reads). */
export function sessionCookieOf(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const name = sessionCookieName();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/**
 * The caller behind a bearer token or a session cookie value, for entry points outside the
 * Express chain (WebSocket upgrades). The bearer wins when both are given, as in resolvePrincipal.
 */
export async function principalFromCredentials(creds: { bearer?: string; sessionCookie?: string }): Promise<Principal | undefined> {
  if (creds.bearer) return principalFromToken(creds.bearer);
  if (creds.sessionCookie) return principalFromSession(creds.sessionCookie);
  return undefined;
}

/** Resolves the caller if any credential is presented; never rejects by itself. */
export const resolvePrincipal: RequestHandler = async (req, res, next) => {
  const bearer = bearerOf(req);
  const cookie = sessionCookieOf(req);
  if (bearer) req.principal = await principalFromToken(bearer);
  else if (cookie) req.principal = await principalFromSession(cookie);
  // A credential that does not resolve is an error, not an anonymous request: the caller
  // believes it is signed in and must be told otherwise. Signing in, up or out needs no
  // credential, so a dead one is ignored there (they set or clear the cookie themselves).
  if ((bearer || cookie) && !req.principal && !isAuthEntry(req)) {
    // The 401 also drops a dead cookie from the browser: a stale cookie costs one 401, never a lockout.
    if (cookie && !bearer) clearSessionCookie(res);
    return next(errors.unauthenticated('Your session has expired or the token is not valid. Sign in again.'));
  }
  next();
};

// Signing in or up with a stale cookie must work; so must following a mailed link or the code step of a sign-in.
const AUTH_ENTRIES = new Set(['/api/auth/login', '/api/auth/signup', '/api/auth/logout', '/api/auth/login/2fa',
  '/api/auth/forgot-password', '/api/auth/reset-password', '/api/auth/reset-password/check', '/api/auth/verify-email']);
// baseUrl + path: inside the /api router req.path alone is '/auth/login'.
const isAuthEntry = (req: Request) => req.method === 'POST' && AUTH_ENTRIES.has((req.baseUrl + req.path).replace(/\/+$/, ''));

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A read-only token reads: every mutating request made with one is refused before anything runs. */
export const enforceTokenScope: RequestHandler = (req, _res, next) => {
  const p = req.principal;
  if (p?.kind === 'token' && p.tokenScope !== 'full' && MUTATING.has(req.method)) {
    return next(errors.forbidden('This API token is read-only: it may only read (GET). Create a token with full scope to make changes.'));
  }
  next();
};

/** Only a signed-in session, never an API token: a leaked token must not be able to mint or revoke tokens. */
export const requireSession: RequestHandler = (req, _res, next) => {
  if (req.principal?.kind !== 'session') return next(errors.forbidden('Only a signed-in session can do this (in the web app), not an API token.'));
  next();
};

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

/**
 * Until the owner confirms their address they may sign in and look, not create or change
 * things; only while the site asks for confirmation (a site that stops sending mail must not
 * leave accounts waiting for a link that never comes).
 */
export const requireVerifiedEmail: RequestHandler = (req, _res, next) => {
  const asked = Boolean(config.SMTP_URL) && config.SIGNUP_VERIFY_EMAIL;
  if (asked && req.principal && !req.principal.emailVerified) {
    return next(new AppError('EMAIL_NOT_VERIFIED', `Confirm your email address first: follow the link we sent to ${req.principal.email} (or ask for a new one on your profile page).`));
  }
  next();
};

/** With REQUIRE_2FA_FOR_ADMINS, administration waits until the admin has turned on two-factor sign-in. */
export const requireAdminTwoFactor: RequestHandler = (req, _res, next) => {
  if (config.REQUIRE_2FA_FOR_ADMINS && req.principal && !req.principal.twoFactor) {
    return next(new AppError('TWO_FACTOR_REQUIRED', 'This site requires administrators to use two-factor sign-in. Turn it on from your profile page first.'));
  }
  next();
};

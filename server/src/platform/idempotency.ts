import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { config } from '../config.js';
import { redis, rkey } from './redis.js';
import { AppError } from './errors.js';
import { scopeOf } from './http/context.js';
import { logger } from './logger.js';
import { beforeSend } from './http/before-send.js';

// Idempotency-Key on every mutating request (IETF httpapi draft, Stripe's practice).
// Record key = scope (principal or anonymous client) + method + path + key.
// One Lua round trip claims the key or returns what is there, so under any number of
// concurrent requests with one key exactly one executes.

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REPLAYED_HEADERS = ['content-type', 'location', 'set-cookie'] as const;

/**
 * The largest answer kept for replay. A bigger one is not stored (Redis would hold it for a
 * day per key); its record says only "done, with this status", and a retry with the key
 * gets 409 ALREADY_DONE telling the client to look the result up: it never runs twice.
 */
export const MAX_STORED_ANSWER_BYTES = 64 * 1024;

interface Running { state: 'running'; fp: string; owner: string }
interface Done {
  state: 'done';
  fp: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}
/** Done, but the answer itself was not kept: it held a secret, or was too large. */
interface Withheld { state: 'withheld'; fp: string; status: number; reason: 'secret' | 'size'; result?: unknown }
type IdemRecord = Running | Done | Withheld;

const claimScript = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

const releaseScript = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).owner == ARGV[1] then
  if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
  return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0`;

/** Order-insensitive fingerprint of the JSON body. */
export function fingerprint(body: unknown): string {
  return createHash('sha256').update(stableStringify(body ?? null)).digest('hex');
}

/**
 * JSON with object keys sorted at every depth. Iterative (an explicit stack, no recursion):
 * a body's depth is bounded at parse time (json-body.ts), but a fingerprint must never be
 * the thing that overflows the stack.
 */
export function stableStringify(root: unknown): string {
  const out: string[] = [];
  // Literal text to emit, or a value still to serialise; popped in order.
  const stack: Array<string | { v: unknown }> = [{ v: root }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const v = item.v;
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'null');
    } else if (Array.isArray(v)) {
      stack.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push(',');
      }
      stack.push('[');
    } else {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      stack.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ v: o[keys[i]!] }, `${JSON.stringify(keys[i])}:`);
        if (i > 0) stack.push(',');
      }
      stack.push('{');
    }
  }
  return out.join('');
}

// Outcomes not kept, so the client's retry with the same key executes anew: server errors,
// rate limits, input that never passed validation (Stripe does the same), and refusals of the
// caller (401, 403, 404), where nothing was done. The last also means an anonymous flood of
// junk (unknown paths, bad logins) leaves nothing in Redis.
const NOT_KEPT = new Set([401, 403, 404, 429, 499]);
function kept(status: number, body: string): boolean {
  if (status >= 500 || NOT_KEPT.has(status)) return false;
  if (status === 400 && (body.includes('"VALIDATION_FAILED"') || body.includes('"MALFORMED_JSON"'))) return false;
  return true;
}

// Secrets (a new API token, a session cookie, a console ticket) are never stored, not even
// encrypted: a retry is answered 409 ALREADY_DONE with the answer's other parts. A secret
// then exists in one place, the client that asked for it, and the "shown once" promise holds
// literally. Encrypting it in Redis would put it in a second place for a day, readable by
// anyone holding both a Redis dump and the key every instance's config carries, to win only
// the retry after a lost answer, which a user recovers from anyway: the token is listed and
// revocable, a login is repeated, a console ticket lives 30 s. Routes declare that they
// answer with a secret (RouteSpec.returnsSecret); a reply that sets a cookie counts too.
const setsCookie = (res: Response) => {
  const v = res.getHeader('set-cookie');
  const cookies = Array.isArray(v) ? v : v === undefined ? [] : [String(v)];
  return cookies.some((c) => !/^[^=]*=\s*(;|$)/.test(c));
};

function withoutSecrets(text: string, secret: true | readonly string[]): unknown {
  if (secret === true) return undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !secret.includes(k)));
    return JSON.stringify(rest).length <= MAX_STORED_ANSWER_BYTES ? rest : undefined;
  } catch {
    return undefined;
  }
}

function recordOf(req: Request, res: Response, fp: string, status: number, text: string): string {
  if (!kept(status, text)) return '';
  const secret = req.replySecret ?? (setsCookie(res) ? true : undefined);
  if (secret) return JSON.stringify({ state: 'withheld', fp, status, reason: 'secret', result: withoutSecrets(text, secret) } satisfies Withheld);
  const headers: Done['headers'] = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.getHeader(h);
    if (v !== undefined) headers[h] = Array.isArray(v) ? v : String(v);
  }
  const done = JSON.stringify({ state: 'done', fp, status, headers, body: text } satisfies Done);
  if (done.length > MAX_STORED_ANSWER_BYTES) return JSON.stringify({ state: 'withheld', fp, status, reason: 'size' } satisfies Withheld);
  return done;
}

function alreadyDone(rec: Withheld): AppError {
  const message = rec.reason === 'secret'
    ? 'This request was already done (same Idempotency-Key). Its answer held a secret, which is shown only once and is not repeated; send the request with a new Idempotency-Key to get a new one.'
    : 'This request was already done (same Idempotency-Key), but its answer was too large to keep for a replay; look the result up instead of repeating the request.';
  return new AppError('ALREADY_DONE', message, { status: rec.status, ...(rec.result !== undefined ? { result: rec.result } : {}) });
}

export const idempotency: RequestHandler = async (req, res, next) => {
  if (!MUTATING.has(req.method)) return next();
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) {
    return next(new AppError('IDEMPOTENCY_KEY_MISSING', 'This request needs an Idempotency-Key header (a UUID is best).'));
  }
  if (!KEY_PATTERN.test(key)) {
    return next(new AppError('VALIDATION_FAILED', 'The Idempotency-Key header must be 1-255 visible ASCII characters, sent once.', {
      issues: [{ path: 'headers.idempotency-key', message: '1-255 visible ASCII characters' }],
    }));
  }

  const recordKey = rkey('idem', scopeOf(req.principal, req.ip), req.method, req.baseUrl + req.path, key);
  const fp = fingerprint(req.body);
  const owner = randomUUID();
  const mine: Running = { state: 'running', fp, owner };
  const existing = (await redis.eval(claimScript, 1, recordKey, JSON.stringify(mine), config.IDEMPOTENCY_LOCK_SECONDS * 1000)) as string | null;

  if (existing) {
    const rec = JSON.parse(existing) as IdemRecord;
    if (rec.fp !== fp) {
      return next(new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body.'));
    }
    if (rec.state === 'running') {
      return next(new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed. Retry shortly.', undefined, { 'Retry-After': '1' }));
    }
    req.audit.skip = true;
    res.setHeader('Idempotent-Replayed', 'true');
    if (rec.state === 'withheld') return next(alreadyDone(rec));
    for (const [h, v] of Object.entries(rec.headers)) res.setHeader(h, v);
    res.status(rec.status);
    return rec.body ? res.send(rec.body) : res.end();
  }

  // Stored before the response leaves: a client that retries the moment it hears back is
  // replayed, never told "still running".
  beforeSend(res, (status, text) => redis
    .eval(releaseScript, 1, recordKey, owner, recordOf(req, res, fp, status, text), config.IDEMPOTENCY_TTL_HOURS * 3600 * 1000)
    .catch((err: unknown) => logger.error({ err, requestId: req.id }, 'idempotency record not saved')));
  next();
};

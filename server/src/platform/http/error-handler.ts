import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errors, isAppError } from '../errors.js';
import { logger } from '../logger.js';

// The last middleware: every error leaves in one shape. Body-parser's own errors are
// translated; anything unknown becomes 500 INTERNAL with the request id and no stack.

interface HttpishError { type?: string; status?: number; statusCode?: number; expose?: boolean; code?: unknown; message?: unknown }

// The database too busy to answer in time: a transaction that waited past its deadline for a
// lock or a connection (Prisma P2028/P2024), a write conflict or deadlock (P2034), InnoDB's
// lock wait timeout, the server's connection limit. Nothing was committed, the answer is not
// kept by the idempotency layer (5xx), so the same request with the same key is safe to send
// again: 503 with Retry-After, not a 500 that reads like a bug.
const BUSY_CODES = new Set(['P2024', 'P2028', 'P2034']);
const BUSY_TEXT = /Lock wait timeout exceeded|Deadlock found|Too many connections|pool timeout|retrieve a connection from pool|Unable to start a transaction in the given time|Transaction already closed/i;
export function isDatabaseBusy(err: unknown): boolean {
  for (let e = err as (HttpishError & { cause?: unknown }) | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && BUSY_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && BUSY_TEXT.test(e.message)) return true;
  }
  return false;
}

function translate(err: unknown): AppError | undefined {
  if (isAppError(err)) return err;
  const e = err as HttpishError;
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MB.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported; send UTF-8 JSON.');
  }
  // Other client errors Express and its parsers raise (http-errors with a 4xx status): a path
  // parameter that is not valid percent-encoding, a body that fails to inflate, a request
  // cut short. They are the client's fault and say nothing about us: 400 in the one shape.
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MB.');
    if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as UTF-8 JSON.');
    return new AppError('VALIDATION_FAILED', 'The request could not be read: its URL or body is malformed.');
  }
  if (isDatabaseBusy(err)) {
    return new AppError('SERVICE_UNAVAILABLE', 'The platform is busy right now and did not do this; send the same request again in a moment.', { retryAfterSeconds: 2 }, { 'Retry-After': '2' });
  }
  return undefined;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = translate(err);
  const appErr = known ?? new AppError('INTERNAL', 'Something went wrong on our side. Quote the request id when you report it.', { requestId: req.id });
  if (!known) logger.error({ err, requestId: req.id, path: req.path }, 'unhandled error');
  else if (known.code === 'SERVICE_UNAVAILABLE' && !isAppError(err)) logger.warn({ err, requestId: req.id, path: req.path }, 'database busy: answered 503');
  if (res.headersSent) return;
  // The audit row of a refused or failed request says why, in the words the caller read.
  if (req.audit) req.audit.error = { code: appErr.code, message: appErr.message.slice(0, 500) };
  for (const [h, v] of Object.entries(appErr.headers ?? {})) res.setHeader(h, v);
  res.status(appErr.status).json(appErr.toBody());
};

export const notFound: RequestHandler = (req, _res, next) => next(errors.notFound(`${req.method} ${req.originalUrl.split('?')[0]}`));

// DELETE too: an admin's delete carries its reason in a JSON body.
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A body that is not JSON is refused before anything reads it. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
    return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.', { contentType: req.headers['content-type'] ?? null }));
  }
  next();
};

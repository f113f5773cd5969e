import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logger } from './logger.js';
import { beforeSend } from './http/before-send.js';
import { BatchWriter } from './batch-writer.js';
import { insertMany } from './sql.js';

// Every state-changing request under /api leaves a row: who, what, on what, from where,
// how it ended. Routes name the action and target on req.audit; the rest is read here.
// Rows go through the driver in natural batches (platform/sql.ts says why not Prisma).
const COLUMNS = ['createdAt', 'actorId', 'actorEmail', 'action', 'targetType', 'targetId', 'ip', 'method', 'path', 'statusCode', 'result', 'requestId', 'details'] as const;
const writer = new BatchWriter<unknown[]>((rows) => insertMany('AuditLog', COLUMNS, rows));

interface AuditRow {
  createdAt: Date; actorId: string | null; actorEmail: string | null; action: string; targetType: string | null; targetId: string | null;
  ip: string; method: string; path: string; statusCode: number; requestId: string; details: Record<string, unknown> | null | undefined;
}

/** One row, fitted to the columns (lengths, result from the status, details as JSON), in column order. */
function record(r: AuditRow): Promise<void> {
  const row: Record<(typeof COLUMNS)[number], unknown> = {
    ...r, action: r.action.slice(0, 64), ip: r.ip.slice(0, 64), path: r.path.slice(0, 255), requestId: r.requestId.slice(0, 64),
    result: r.statusCode < 400 ? 'success' : 'failure',
    details: r.details === undefined || r.details === null ? null : JSON.stringify(r.details),
  };
  return writer.add(COLUMNS.map((c) => row[c]));
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const audit: RequestHandler = (req, res, next) => {
  req.audit = {};
  if (!MUTATING.has(req.method)) return next();
  const at = new Date();
  beforeSend(res, async (status) => {
    const a = req.audit;
    if (a.skip) return;
    // An anonymous request that reached no public route (an unknown path, a route that needs
    // a login, a refused body) did nothing and holds nobody to account: no row, so a flood
    // of them cannot fill the table. Failed sign-ins are public routes and are kept.
    if (!req.principal && !a.publicRoute) return;
    try {
      await record({
        createdAt: at,
        actorId: req.principal?.userId ?? a.actorId ?? null,
        actorEmail: req.principal?.email ?? a.actorEmail ?? null,
        action: a.action ?? `${req.method} ${req.routePattern ?? req.path}`,
        targetType: a.targetType ?? null,
        targetId: a.targetId ?? null,
        ip: req.ip ?? 'unknown',
        method: req.method,
        path: req.baseUrl + req.path,
        statusCode: status,
        requestId: req.id,
        details: a.error && status >= 400 ? { ...a.details, error: a.error } : a.details,
      });
    } catch (err) {
      logger.error({ err, requestId: req.id }, 'audit record not written');
    }
  });
  next();
};

/** An audit row for something the platform did on its own (a schedule), not a request. */
export function auditSystemAction(a: { action: string; targetType: string; targetId: string; actorId?: string | null; details?: Record<string, unknown>; ok?: boolean }): Promise<void> {
  return record({
    createdAt: new Date(), actorId: a.actorId ?? null, actorEmail: null, action: a.action, targetType: a.targetType, targetId: a.targetId,
    ip: 'system', method: 'SYSTEM', path: '-', statusCode: a.ok === false ? 500 : 200, requestId: `sys-${randomUUID()}`, details: a.details,
  });
}

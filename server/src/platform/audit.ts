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

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const audit: RequestHandler = (req, res, next) => {
  req.audit = {};
  if (!MUTATING.has(req.method)) return next();
  const at = new Date();
  beforeSend(res, async (status) => {
    const a = req.audit;
    if (a.skip) return;
    try {
      await writer.add([
        at,
        req.principal?.userId ?? a.actorId ?? null,
        req.principal?.email ?? a.actorEmail ?? null,
        (a.action ?? `${req.method} ${req.routePattern ?? req.path}`).slice(0, 64),
        a.targetType ?? null,
        a.targetId ?? null,
        (req.ip ?? 'unknown').slice(0, 64),
        req.method,
        (req.baseUrl + req.path).slice(0, 255),
        status,
        status < 400 ? 'success' : 'failure',
        req.id,
        a.details === undefined || a.details === null ? null : JSON.stringify(a.details),
      ]);
    } catch (err) {
      logger.error({ err, requestId: req.id }, 'audit record not written');
    }
  });
  next();
};

/** An audit row for something the platform did on its own (a schedule), not a request. */
export function auditSystemAction(a: { action: string; targetType: string; targetId: string; actorId?: string | null; details?: Record<string, unknown>; ok?: boolean }): Promise<void> {
  return writer.add([
    new Date(), a.actorId ?? null, null, a.action.slice(0, 64), a.targetType, a.targetId, 'system', 'SYSTEM', '-',
    a.ok === false ? 500 : 200, a.ok === false ? 'failure' : 'success', `sys-${randomUUID()}`.slice(0, 64),
    a.details ? JSON.stringify(a.details) : null,
  ]);
}

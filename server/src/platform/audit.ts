import type { RequestHandler } from 'express';
import { db } from './db.js';
import { logger } from './logger.js';
import { beforeSend } from './http/before-send.js';
import type { Prisma } from '../generated/prisma/client.js';
import { BatchWriter } from './batch-writer.js';

const writer = new BatchWriter<Prisma.AuditLogCreateManyInput>((rows) => db.auditLog.createMany({ data: rows }));

// Every state-changing request under /api leaves a row: who, what, on what, from where,
// how it ended. Routes name the action and target on req.audit; the rest is read here.
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const audit: RequestHandler = (req, res, next) => {
  req.audit = {};
  if (!MUTATING.has(req.method)) return next();
  beforeSend(res, async (status) => {
    const a = req.audit;
    if (a.skip) return;
    try {
      await writer.add({
        actorId: req.principal?.userId ?? a.actorId ?? null,
        actorEmail: req.principal?.email ?? a.actorEmail ?? null,
        action: a.action ?? `${req.method} ${req.routePattern ?? req.path}`.slice(0, 64),
        targetType: a.targetType ?? null,
        targetId: a.targetId ?? null,
        ip: (req.ip ?? 'unknown').slice(0, 64),
        method: req.method,
        path: (req.baseUrl + req.path).slice(0, 255),
        statusCode: status,
        result: status < 400 ? 'success' : 'failure',
        requestId: req.id,
        details: (a.details ?? undefined) as Prisma.InputJsonValue | undefined,
      });
    } catch (err) {
      logger.error({ err, requestId: req.id }, 'audit record not written');
    }
  });
  next();
};

import { db } from '../../platform/db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AuditQueryInput } from './audit.schemas.js';

export async function listAudit(q: AuditQueryInput) {
  const where: Prisma.AuditLogWhereInput = {
    ...(q.actor ? { actorEmail: { contains: q.actor } } : {}),
    ...(q.action ? { action: { startsWith: q.action } } : {}),
    ...(q.result ? { result: q.result } : {}),
    ...(q.from || q.to ? { createdAt: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lte: new Date(q.to) } : {}) } } : {}),
  };
  const [rows, total] = await Promise.all([
    db.auditLog.findMany({ where, orderBy: { id: 'desc' }, skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.auditLog.count({ where }),
  ]);
  return {
    items: rows.map((r) => ({ ...r, id: r.id.toString(), createdAt: r.createdAt.toISOString(), details: r.details ?? null })),
    total, page: q.page, pageSize: q.pageSize,
  };
}

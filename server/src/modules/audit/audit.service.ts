import { db } from '../../platform/db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AuditQueryInput } from './audit.schemas.js';
import { targetNames } from './target-names.js';

type Details = { name?: unknown; email?: unknown; error?: { code?: unknown; message?: unknown } } | null;

const errorOf = (d: Details) => (d?.error && typeof d.error.code === 'string' && typeof d.error.message === 'string' ? { code: d.error.code, message: d.error.message } : null);

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
  const names = await targetNames(rows);
  return {
    items: rows.map((r) => {
      const details = (r.details ?? null) as Details;
      // The name the route noted at the time (a deleted VM keeps it), else the target's row's.
      const noted = typeof details?.name === 'string' ? details.name : typeof details?.email === 'string' ? details.email : null;
      return {
        ...r, id: r.id.toString(), createdAt: r.createdAt.toISOString(), details: r.details ?? null,
        targetName: noted ?? names.get(`${r.targetType}:${r.targetId}`) ?? null, error: errorOf(details),
      };
    }),
    total, page: q.page, pageSize: q.pageSize,
  };
}

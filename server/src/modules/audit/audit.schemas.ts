import { z } from 'zod';
import { pageQuery } from '../users/users.schemas.js';

export const AuditQuery = z.object({
  actor: z.string().trim().max(254).optional().describe('Part of the actor email'),
  action: z.string().trim().max(64).optional().describe('Action, or its prefix (e.g. "admin.")'),
  result: z.enum(['success', 'failure']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  ...pageQuery,
});
export const AuditEntry = z.object({
  id: z.string(), createdAt: z.string(), actorId: z.string().nullable(), actorEmail: z.string().nullable(),
  action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(), ip: z.string(),
  method: z.string(), path: z.string(), statusCode: z.number().int(), result: z.enum(['success', 'failure']), requestId: z.string(),
  details: z.unknown().nullable(),
  targetName: z.string().nullable().describe("The target's name (a VM's, a user's email ...) while it has one"),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe('Why a failed request was refused, as its caller was told'),
});
export const AuditPage = z.object({ items: z.array(AuditEntry), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });
export type AuditQueryInput = z.infer<typeof AuditQuery>;

import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';

/**
 * Records what a reconciler found, for admins. One open finding per (host, object, kind): a
 * problem seen every minute is one line. Returns whether it is new.
 */
export async function recordFinding(kind: string, hostId: string, objectName: string, message: string, vmId: string | null = null): Promise<boolean> {
  const open = await db.finding.findFirst({ where: { hostId, domainName: objectName, kind, resolvedAt: null } });
  if (open) return false;
  await db.finding.create({ data: { id: randomUUID(), kind, hostId, domainName: objectName, message, vmId } });
  return true;
}

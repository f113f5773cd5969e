import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client.js';
import { db } from '../../platform/db.js';

/** The key an open finding holds (NULL once resolved), unique in the database. */
export const findingOpenKey = (hostId: string, kind: string, objectName: string) => `${hostId}|${kind}|${objectName}`.slice(0, 160);

/**
 * Records what a reconciler found, for admins. One open finding per (host, object, kind): a
 * problem seen every minute is one line, and two passes at once (the schedule and "reconcile
 * now", or two server processes) record it once: the open key is unique. Returns whether it is new.
 */
export async function recordFinding(kind: string, hostId: string, objectName: string, message: string, vmId: string | null = null): Promise<boolean> {
  const open = await db.finding.findFirst({ where: { hostId, domainName: objectName, kind, resolvedAt: null } });
  if (open) return false;
  try {
    await db.finding.create({ data: { id: randomUUID(), kind, hostId, domainName: objectName, message, vmId, openKey: findingOpenKey(hostId, kind, objectName) } });
    return true;
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return false;
    throw e;
  }
}

import { config } from '../config.js';
import { execute } from './sql.js';
import { logger } from './logger.js';

// History does not grow forever: finished operations and audit rows older than their
// retention are deleted in small batches (short transactions, no long locks on hot tables).
// Operations still running, or still held by a VM, are never touched. Mailed links are kept a
// week past their expiry (a user asking why a link failed can still be answered), then go. API
// tokens revoked or expired more than RETENTION_TOKENS_DAYS ago go too (the list stops showing them).

const BATCH = 5000;

async function deleteInBatches(sql: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await execute(`${sql} LIMIT ${BATCH}`, params);
    total += n;
    if (n < BATCH) return total;
  }
}

export async function pruneHistory(now = Date.now()): Promise<{ operations: number; audit: number; links: number; tokens: number }> {
  const day = 86_400_000;
  const operations = await deleteInBatches(
    `DELETE FROM Operation WHERE state IN ('succeeded', 'failed', 'compensated') AND finishedAt < ?
       AND id NOT IN (SELECT currentOperationId FROM Vm WHERE currentOperationId IS NOT NULL)`,
    [new Date(now - config.RETENTION_OPERATIONS_DAYS * day)]);
  const audit = await deleteInBatches('DELETE FROM AuditLog WHERE createdAt < ?', [new Date(now - config.RETENTION_AUDIT_DAYS * day)]);
  const links = await deleteInBatches('DELETE FROM EmailToken WHERE expiresAt < ?', [new Date(now - 7 * day)]);
  const tokenCutoff = new Date(now - config.RETENTION_TOKENS_DAYS * day);
  const tokens = await deleteInBatches('DELETE FROM ApiToken WHERE revokedAt < ? OR expiresAt < ?', [tokenCutoff, tokenCutoff]);
  if (operations || audit || links || tokens) logger.info({ operations, audit, links, tokens }, 'pruned old history');
  return { operations, audit, links, tokens };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { sha256, TOKEN_PREFIX } from '../../platform/auth.js';
import type { TokenScope } from '../../generated/prisma/enums.js';

const MAX_ACTIVE_TOKENS = 50;
const DAY_MS = 86_400_000;

interface TokenRow {
  id: string; name: string; prefix: string; scope: TokenScope; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null;
}

const toDto = (t: TokenRow) => ({
  id: t.id, name: t.name, prefix: t.prefix, scope: t.scope,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** The secret is returned once and only its SHA-256 is kept (it has 256 bits of entropy, so no slow hash is needed). */
export async function createToken(userId: string, input: { name: string; scope: TokenScope; expiresInDays?: number }) {
  const now = new Date();
  const active = await db.apiToken.count({ where: { userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
  if (active >= MAX_ACTIVE_TOKENS) throw errors.conflict(`You already have ${MAX_ACTIVE_TOKENS} active tokens; revoke one first.`);
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiToken.create({
    data: {
      id: randomUUID(), userId, name: input.name, scope: input.scope, prefix: secret.slice(0, 10), tokenHash: sha256(secret),
      expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null,
    },
  });
  return { token: toDto(row), secret };
}

/** A token revoked or expired longer ago than this is hidden, and deleted by the retention job. */
export const tokenPruneCutoff = (now = Date.now()) => new Date(now - config.RETENTION_TOKENS_DAYS * DAY_MS);

export async function listTokens(userId: string) {
  const cutoff = tokenPruneCutoff();
  const rows = await db.apiToken.findMany({
    where: {
      userId,
      AND: [{ OR: [{ revokedAt: null }, { revokedAt: { gt: cutoff } }] }, { OR: [{ expiresAt: null }, { expiresAt: { gt: cutoff } }] }],
    },
    orderBy: { createdAt: 'desc' },
  });
  return { items: rows.map(toDto), prunedAfterDays: config.RETENTION_TOKENS_DAYS };
}

export async function revokeToken(userId: string, id: string): Promise<void> {
  // Another user's token is "not found": never confirm it exists.
  const row = await db.apiToken.findFirst({ where: { id, userId }, select: { revokedAt: true } });
  if (!row) throw errors.notFound('Token');
  if (!row.revokedAt) await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
}

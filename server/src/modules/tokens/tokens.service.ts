import { randomBytes, randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { sha256, TOKEN_PREFIX } from '../../platform/auth.js';

const MAX_ACTIVE_TOKENS = 50;

interface TokenRow { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null }

const toDto = (t: TokenRow) => ({
  id: t.id, name: t.name, prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** The secret is returned once and only its SHA-256 is kept (it has 256 bits of entropy, so no slow hash is needed). */
export async function createToken(userId: string, name: string, expiresInDays?: number) {
  const active = await db.apiToken.count({ where: { userId, revokedAt: null } });
  if (active >= MAX_ACTIVE_TOKENS) throw errors.conflict(`You already have ${MAX_ACTIVE_TOKENS} active tokens; revoke one first.`);
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiToken.create({
    data: {
      id: randomUUID(), userId, name, prefix: secret.slice(0, 10), tokenHash: sha256(secret),
      expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
    },
  });
  return { token: toDto(row), secret };
}

export async function listTokens(userId: string) {
  const rows = await db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toDto) };
}

export async function revokeToken(userId: string, id: string): Promise<void> {
  // Another user's token is "not found": never confirm it exists.
  const row = await db.apiToken.findFirst({ where: { id, userId }, select: { revokedAt: true } });
  if (!row) throw errors.notFound('Token');
  if (!row.revokedAt) await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
}

import { randomBytes, randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { sha256 } from '../../platform/auth.js';
import type { EmailTokenPurpose } from '../../generated/prisma/enums.js';

// Single-use links mailed to a user (confirm the address, reset the password). The link
// carries 256 random bits; only their SHA-256 is stored, so the table alone opens nothing.
// A new link of one purpose retires the user's older ones, and using a link is one
// conditional UPDATE: of two clicks at once, one wins.

export const invalidLink = () =>
  new AppError('INVALID_LINK', 'This link is no longer valid: it was already used, it expired, or a newer one was sent. Ask for a new one.');

/** Makes a link secret for the user and retires their unused ones of the same purpose. */
export async function issueLinkToken(userId: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.$transaction(async (tx) => {
    await retireLinks(tx, userId, purpose);
    await tx.emailToken.create({ data: { id: randomUUID(), userId, purpose, tokenHash: sha256(token), expiresAt } });
  });
  return { token, expiresAt };
}

export function retireLinks(tx: Tx, userId: string, purpose: EmailTokenPurpose) {
  return tx.emailToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: new Date() } });
}

/** The link's user and expiry if it can still be used; never uses it up. */
export async function peekLinkToken(token: string, purpose: EmailTokenPurpose) {
  const row = await db.emailToken.findUnique({
    where: { tokenHash: sha256(token) },
    select: { purpose: true, usedAt: true, expiresAt: true, user: { select: { id: true, email: true } } },
  });
  if (!row || row.purpose !== purpose || row.usedAt || row.expiresAt.getTime() <= Date.now()) throw invalidLink();
  return { userId: row.user.id, email: row.user.email, expiresAt: row.expiresAt };
}

/** Uses the link up inside the caller's transaction; resolves to its user, or throws INVALID_LINK. */
export async function consumeLinkToken(tx: Tx, token: string, purpose: EmailTokenPurpose): Promise<string> {
  const tokenHash = sha256(token);
  const now = new Date();
  const { count } = await tx.emailToken.updateMany({ where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  if (count !== 1) throw invalidLink();
  const row = await tx.emailToken.findUniqueOrThrow({ where: { tokenHash }, select: { userId: true } });
  return row.userId;
}

/** The page a link opens. The secret rides in the fragment, which browsers never send to a server (no access logs, no Referer). */
export function linkUrl(page: '/reset-password' | '/verify-email', token: string): string {
  const base = (config.PUBLIC_URL ?? '').replace(/\/+$/, '');
  return `${base}${page}#token=${token}`;
}

import { randomBytes, randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { execute, queryOne } from '../../platform/sql.js';
import { seal, unseal } from './secret-seal.js';

// A user's own S3 credentials, for aws, rclone or s3cmd against the platform's S3 gateway.
// The key reaches only that user's buckets: the gateway checks every request's bucket against
// the Bucket table before it signs the request on with the platform's identity.

const MAX_ACTIVE_KEYS = 10;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** "CC" and 18 base-32 characters: 20 like AWS's, recognisably this platform's. */
export const newAccessKeyId = () => `CC${[...randomBytes(18)].map((b) => BASE32[b % 32]).join('')}`;
const newSecret = () => randomBytes(30).toString('base64url');

interface KeyRow { id: string; name: string; accessKeyId: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }

const toDto = (k: KeyRow) => ({
  id: k.id, name: k.name, accessKeyId: k.accessKeyId, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
});

export async function createAccessKey(userId: string, name: string) {
  const active = await db.s3AccessKey.count({ where: { userId, revokedAt: null } });
  if (active >= MAX_ACTIVE_KEYS) throw errors.conflict(`You already have ${MAX_ACTIVE_KEYS} active access keys; revoke one first.`);
  const secretAccessKey = newSecret();
  const row = await db.s3AccessKey.create({ data: { id: randomUUID(), userId, name, accessKeyId: newAccessKeyId(), secretSealed: seal(secretAccessKey) } });
  return { key: toDto(row), secretAccessKey };
}

export async function listAccessKeys(userId: string) {
  const rows = await db.s3AccessKey.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toDto) };
}

export async function revokeAccessKey(userId: string, id: string): Promise<void> {
  const row = await db.s3AccessKey.findFirst({ where: { id, userId }, select: { revokedAt: true } });
  if (!row) throw errors.notFound('Access key');
  if (!row.revokedAt) await db.s3AccessKey.update({ where: { id }, data: { revokedAt: new Date() } });
}

export interface KeyOwner { userId: string; secret: string; keyId: string }

/**
 * The live key's owner and secret, or null (unknown, revoked, or its owner disabled). Read on
 * every gateway request through the driver, so a revocation or a disabled account takes
 * effect on the next request.
 */
export async function resolveAccessKey(accessKeyId: string): Promise<KeyOwner | null> {
  if (!/^[A-Z0-9]{20}$/.test(accessKeyId)) return null;
  const r = await queryOne<{ id: string; userId: string; secretSealed: string; lastUsedAt: Date | null }>(
    `SELECT k.id, k.userId, k.secretSealed, k.lastUsedAt FROM S3AccessKey k JOIN \`User\` u ON u.id = k.userId
     WHERE k.accessKeyId = ? AND k.revokedAt IS NULL AND u.status = 'active'`, [accessKeyId]);
  if (!r) return null;
  if (!r.lastUsedAt || Date.now() - r.lastUsedAt.getTime() > 60_000) {
    await execute('UPDATE S3AccessKey SET lastUsedAt = ? WHERE id = ?', [new Date(), r.id]);
  }
  return { userId: r.userId, secret: unseal(r.secretSealed), keyId: r.id };
}

import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';

// Object storage limits and usage per user (bytes, objects, buckets). One row per user, made
// on first use with the trial limits. A presigned upload reserves its size with one
// conditional UPDATE before any URL is signed, so concurrent uploads cannot together pass the
// limit; completing moves the reservation into `used`. The usage scan (oss-usage.ts) resets
// `used` to what the S3 server really holds.

export const GiB = 1024 ** 3;

export interface ObjectQuotaRow {
  maxBytes: bigint; maxObjects: number; maxBuckets: number; usedBytes: bigint; usedObjects: number;
  reservedBytes: bigint; reservedObjects: number; scannedAt: Date | null;
}

type Client = Pick<Tx, '$executeRaw' | 'objectQuota' | 'bucket'>;

export async function ensureObjectQuota(c: Client, userId: string): Promise<void> {
  const maxBytes = BigInt(Math.round(config.TRIAL_QUOTA_OBJECT_GIB * GiB));
  await c.$executeRaw`INSERT IGNORE INTO ObjectQuota (userId, maxBytes, maxObjects, maxBuckets)
    VALUES (${userId}, ${maxBytes}, ${config.TRIAL_QUOTA_OBJECTS}, ${config.OSS_MAX_BUCKETS})`;
}

const gib = (b: bigint) => (Number(b) / GiB).toFixed(2);

/** Reserves room for an upload, or says in words what is short. */
export async function reserveObjects(tx: Client, userId: string, bytes: bigint, objects: number): Promise<void> {
  await ensureObjectQuota(tx, userId);
  const affected = await tx.$executeRaw`
    UPDATE ObjectQuota SET reservedBytes = reservedBytes + ${bytes}, reservedObjects = reservedObjects + ${objects}
    WHERE userId = ${userId} AND usedBytes + reservedBytes + ${bytes} <= maxBytes AND usedObjects + reservedObjects + ${objects} <= maxObjects`;
  if (affected === 1) return;
  const q = await tx.objectQuota.findUniqueOrThrow({ where: { userId } });
  const freeBytes = q.maxBytes - q.usedBytes - q.reservedBytes;
  if (bytes > freeBytes) {
    throw new AppError('QUOTA_EXCEEDED', `Your storage quota has ${gib(freeBytes > 0n ? freeBytes : 0n)} GiB free; this upload needs ${gib(bytes)} GiB. Delete objects or ask an administrator for more.`, {
      resource: 'objectBytes', requested: Number(bytes), available: Number(freeBytes > 0n ? freeBytes : 0n),
    });
  }
  const freeObjects = Math.max(0, q.maxObjects - q.usedObjects - q.reservedObjects);
  throw new AppError('QUOTA_EXCEEDED', `Your storage quota allows ${freeObjects} more objects; this needs ${objects}.`, { resource: 'objects', requested: objects, available: freeObjects });
}

export async function releaseReservation(tx: Client, userId: string, bytes: bigint, objects: number): Promise<void> {
  await tx.$executeRaw`UPDATE ObjectQuota SET reservedBytes = GREATEST(reservedBytes - ${bytes}, 0), reservedObjects = GREATEST(reservedObjects - ${objects}, 0)
    WHERE userId = ${userId}`;
}

/** Usage moves by what was stored or removed (negative to free room); never below zero. */
export async function addUsage(tx: Client, userId: string, bytes: bigint, objects: number): Promise<void> {
  await ensureObjectQuota(tx, userId);
  await tx.$executeRaw`UPDATE ObjectQuota SET usedBytes = GREATEST(usedBytes + ${bytes}, 0), usedObjects = GREATEST(usedObjects + ${objects}, 0)
    WHERE userId = ${userId}`;
}

/** Whether `bytes` and `objects` more fit now (no reservation: the S3 gateway's check before a write). */
export async function assertRoom(userId: string, bytes: bigint, objects: number): Promise<void> {
  await db.$transaction(async (tx) => {
    await reserveObjects(tx, userId, bytes, objects);
    await releaseReservation(tx, userId, bytes, objects);
  });
}

/** Refuses new data from owners who may not keep it: trial over, or a storage price and no credits. */
export async function assertMayStore(userId: string): Promise<void> {
  const u = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { trialEndsAt: true, creditBalance: true } });
  if (u.trialEndsAt && u.trialEndsAt.getTime() <= Date.now()) {
    throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended, so nothing new can be stored; your files stay readable. Ask an administrator to extend it.');
  }
  if (config.CREDITS_PER_GIB_DAY > 0 && u.creditBalance <= 0) {
    throw new AppError('INSUFFICIENT_CREDITS', `Storage costs ${config.CREDITS_PER_GIB_DAY} credits per GiB-day and your balance is ${u.creditBalance}; nothing new can be stored until credits are added.`, {
      balance: u.creditBalance,
    });
  }
}

export async function objectQuotaView(userId: string) {
  await ensureObjectQuota(db, userId);
  const [q, buckets] = await Promise.all([
    db.objectQuota.findUniqueOrThrow({ where: { userId } }),
    db.bucket.count({ where: { ownerId: userId } }),
  ]);
  return {
    limits: { bytes: Number(q.maxBytes), objects: q.maxObjects, buckets: q.maxBuckets },
    used: { bytes: Number(q.usedBytes), objects: q.usedObjects, buckets },
    reserved: { bytes: Number(q.reservedBytes), objects: q.reservedObjects },
    scannedAt: q.scannedAt?.toISOString() ?? null,
    creditsPerGiBDay: config.CREDITS_PER_GIB_DAY,
  };
}

export async function existingUser(id: string): Promise<string> {
  if (!(await db.user.count({ where: { id } }))) throw errors.notFound('User');
  return id;
}

/** Admins set limits; lowering below usage is allowed (nothing new fits until usage drops). */
export async function setObjectQuota(userId: string, limits: { gib?: number; objects?: number; buckets?: number }) {
  await ensureObjectQuota(db, userId);
  await db.objectQuota.update({
    where: { userId },
    data: {
      ...(limits.gib !== undefined ? { maxBytes: BigInt(Math.round(limits.gib * GiB)) } : {}),
      ...(limits.objects !== undefined ? { maxObjects: limits.objects } : {}),
      ...(limits.buckets !== undefined ? { maxBuckets: limits.buckets } : {}),
    },
  });
  return objectQuotaView(userId);
}

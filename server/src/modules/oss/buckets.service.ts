import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { ObjectStoreError } from '../../drivers/s3/object-store.js';
import { ensureObjectQuota } from './object-quota.js';
import { objectStore, s3, storageError } from './oss-store.js';
import type { BucketDto } from './oss.schemas.js';
import { ownBucket, toBucketDto } from './bucket-owner.js';
import { abortUploadsIn } from './uploads.service.js';

// Buckets: a row per bucket names its owner; the S3 server holds the bucket itself. Every
// bucket lives under the platform's one S3 identity, so this table is what scopes a user to
// their own buckets (here, in presigning, and in the S3 gateway). Another user's bucket is
// "not found", never "forbidden": its existence is not confirmed.

export async function listBuckets(ownerId: string) {
  const rows = await db.bucket.findMany({ where: { ownerId }, orderBy: { name: 'asc' } });
  return { items: rows.map(toBucketDto) };
}

const taken = (name: string) => errors.conflict(`The bucket name "${name}" is taken; bucket names are shared by everyone on this S3 server, as in S3. Pick another.`);

export async function createBucket(ownerId: string, name: string): Promise<BucketDto> {
  if (name === config.OSS_IMAGES_BUCKET) throw taken(name);
  const id = randomUUID();
  try {
    await db.$transaction(async (tx) => {
      await ensureObjectQuota(tx, ownerId);
      // The quota row is the per-user lock: two creates cannot both pass the count.
      const [q] = await tx.$queryRaw<{ maxBuckets: number }[]>`SELECT maxBuckets FROM ObjectQuota WHERE userId = ${ownerId} FOR UPDATE`;
      const count = await tx.bucket.count({ where: { ownerId } });
      if (count >= (q?.maxBuckets ?? 0)) {
        throw new AppError('QUOTA_EXCEEDED', `Your quota allows ${q?.maxBuckets ?? 0} buckets and you have ${count}; delete one first.`, { resource: 'buckets', requested: 1, available: 0 });
      }
      await tx.bucket.create({ data: { id, name, ownerId } });
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw taken(name);
    throw e;
  }
  try {
    await objectStore().createBucket(name);
  } catch (e) {
    await db.bucket.delete({ where: { id } });
    if (e instanceof ObjectStoreError && e.kind === 'bucket-taken') throw taken(name);
    throw storageError(e);
  }
  return toBucketDto(await db.bucket.findUniqueOrThrow({ where: { id } }));
}

/** Deletes an empty bucket (uploads still in flight into it are aborted first). */
export async function deleteBucket(ownerId: string, name: string): Promise<void> {
  const bucket = await ownBucket(ownerId, name);
  const page = await s3((s) => s.list(name, { maxKeys: 2 }));
  if (page.objects.length) {
    throw errors.conflict(`Bucket "${name}" is not empty; delete its objects first.`, { objects: page.objects.length > 1 || page.nextToken ? 'several' : 1 });
  }
  await abortUploadsIn(name);
  await s3((s) => s.deleteBucket(name));
  await db.bucket.delete({ where: { id: bucket.id } });
}

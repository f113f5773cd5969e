import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import type { Bucket as BucketRow } from '../../generated/prisma/client.js';
import type { BucketDto } from './oss.schemas.js';

// Every bucket lives under the platform's one S3 identity, so the Bucket table is what scopes
// a user to their own buckets (in the API, in presigning and in the S3 gateway). Another
// user's bucket is "not found", never "forbidden": its existence is not confirmed.

export const toBucketDto = (b: BucketRow): BucketDto => ({
  id: b.id, name: b.name, objects: b.objects, bytes: Number(b.bytes), scannedAt: b.scannedAt?.toISOString() ?? null, createdAt: b.createdAt.toISOString(),
});

export async function ownBucket(ownerId: string, name: string): Promise<BucketRow> {
  const b = await db.bucket.findUnique({ where: { name } });
  if (!b || b.ownerId !== ownerId) throw errors.notFound('Bucket');
  return b;
}


// How an upload of `size` bytes is cut: one presigned PUT when it fits one part, else a
// multipart upload of equal parts (the last one shorter). S3 allows 10,000 parts and Swift's
// s3api 1,000 by default, and every part but the last must be at least 5 MiB, so the part
// size grows with the object: at least `minPartBytes`, and large enough for 1,000 parts.

export const MAX_PARTS = 1000;
const MiB = 1024 ** 2;

export interface UploadPlan { mode: 'single' | 'multipart'; partSize: number; partCount: number }

export function planUpload(size: number, minPartBytes: number): UploadPlan {
  const partSize = Math.max(minPartBytes, Math.ceil(size / MAX_PARTS / MiB) * MiB);
  if (size <= partSize) return { mode: 'single', partSize: size, partCount: 1 };
  return { mode: 'multipart', partSize, partCount: Math.ceil(size / partSize) };
}

/** Bytes in part `n` (1-based) of a plan. */
export function partBytes(size: number, plan: Pick<UploadPlan, 'partSize' | 'partCount'>, n: number): number {
  if (n < 1 || n > plan.partCount) throw new RangeError(`part ${n} is outside 1..${plan.partCount}`);
  return n < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

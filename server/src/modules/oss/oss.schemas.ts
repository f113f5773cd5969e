import { z } from 'zod';
import { bucketNameProblem, objectKeyProblem, prefixProblem } from './oss-names.js';

const refined = (problem: (v: string) => string | null) => (v: string, ctx: z.RefinementCtx) => {
  const p = problem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
};

export const BucketName = z.string().superRefine(refined(bucketNameProblem));
export const ObjectKey = z.string().superRefine(refined((k) => objectKeyProblem(k)));
export const FolderKey = z.string().superRefine(refined((k) => objectKeyProblem(k, true)));
/** An object key, or a folder (ending in "/") for operations on everything under it. */
export const KeyOrFolder = z.string().superRefine(refined((k) => objectKeyProblem(k, k.endsWith('/'))));
export const Prefix = z.string().default('').superRefine(refined(prefixProblem));

/** S3's largest object. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export const BucketParams = z.object({ bucket: BucketName });
export const UploadParams = z.object({ bucket: BucketName, id: z.uuid('not an upload id') });
export const CreateBucketBody = z.object({ name: BucketName }).strict();

export const ListObjectsQuery = z.object({
  prefix: Prefix,
  token: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const KeyQuery = z.object({ key: ObjectKey });
export const BeginUploadBody = z.object({
  key: ObjectKey,
  size: z.number().int('whole bytes').min(0).max(MAX_OBJECT_BYTES, 'at most 5 TiB (S3\'s largest object)'),
  /** Replace an object that exists under this key (otherwise refused). */
  overwrite: z.boolean().default(false),
}).strict();
export const PartsQuery = z.object({
  numbers: z.string().regex(/^\d{1,5}(,\d{1,5}){0,99}$/, 'up to 100 part numbers, comma-separated')
    .transform((s) => [...new Set(s.split(',').map(Number))]),
});
export const DeleteObjectsBody = z.object({
  keys: z.array(KeyOrFolder).min(1).max(1000),
}).strict();
export const RenameObjectBody = z.object({ from: KeyOrFolder, to: KeyOrFolder, overwrite: z.boolean().default(false) }).strict()
  .refine((b) => b.from.endsWith('/') === b.to.endsWith('/'), { path: ['to'], message: 'a folder is renamed to a folder (both end with "/"), an object to an object' });
export const CreateFolderBody = z.object({ key: FolderKey }).strict();

export const Bucket = z.object({
  id: z.string(), name: z.string(), objects: z.number().int(), bytes: z.number().int(), scannedAt: z.string().nullable(), createdAt: z.string(),
});
export const BucketResponse = z.object({ bucket: Bucket });
export const BucketList = z.object({ items: z.array(Bucket) });
export const ObjectEntry = z.object({ key: z.string(), size: z.number().int(), etag: z.string(), lastModified: z.string() });
export const ObjectListing = z.object({ prefix: z.string(), folders: z.array(z.string()), objects: z.array(ObjectEntry), nextToken: z.string().nullable() });
export const ObjectQuotaView = z.object({
  limits: z.object({ bytes: z.number().int(), objects: z.number().int(), buckets: z.number().int() }),
  used: z.object({ bytes: z.number().int(), objects: z.number().int(), buckets: z.number().int() }),
  reserved: z.object({ bytes: z.number().int(), objects: z.number().int() }),
  scannedAt: z.string().nullable(),
  creditsPerGiBDay: z.number(),
});
export const ObjectQuotaResponse = z.object({ quota: ObjectQuotaView });
export const UpdateObjectQuotaBody = z.object({
  gib: z.number().min(0).max(1024 * 1024).optional(),
  objects: z.number().int().min(0).max(1e9).optional(),
  buckets: z.number().int().min(0).max(10_000).optional(),
}).strict();

export const Upload = z.object({
  id: z.string(), bucket: z.string(), key: z.string(), size: z.number().int(), mode: z.enum(['single', 'multipart']),
  partSize: z.number().int(), partCount: z.number().int(), state: z.enum(['pending', 'completed', 'aborted']), expiresAt: z.string(),
});
export const PresignedPart = z.object({ partNumber: z.number().int(), size: z.number().int(), url: z.string() });
export const BeganUpload = z.object({ upload: Upload, url: z.string().nullable().describe('The presigned PUT for a single-request upload') });
export const UploadStatus = z.object({ upload: Upload, uploadedParts: z.array(z.object({ partNumber: z.number().int(), size: z.number().int() })) });
export const PresignedParts = z.object({ parts: z.array(PresignedPart) });
export const CompletedUpload = z.object({ object: ObjectEntry });
export const DownloadUrl = z.object({ url: z.string(), expiresAt: z.string() });
export const DeletedObjects = z.object({ deleted: z.number().int(), failed: z.array(z.string()) });
export const RenamedObjects = z.object({ moved: z.number().int() });

export type UploadDto = z.infer<typeof Upload>;
export type BucketDto = z.infer<typeof Bucket>;

export const CreateAccessKeyBody = z.object({ name: z.string().trim().min(1, 'required').max(80, 'at most 80 characters') }).strict();
export const AccessKeyIdParams = z.object({ id: z.uuid('not an access key id') });
export const AccessKey = z.object({
  id: z.string(), name: z.string(), accessKeyId: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable(),
});
export const AccessKeyList = z.object({ items: z.array(AccessKey), endpoint: z.string().nullable().describe('The S3 endpoint to use these keys with'), region: z.string() });
export const CreatedAccessKey = z.object({ key: AccessKey, secretAccessKey: z.string().describe('Shown once; store it now'), endpoint: z.string().nullable(), region: z.string() });

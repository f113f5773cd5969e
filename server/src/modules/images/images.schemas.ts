import { z } from 'zod';
import { BeganUpload, CompletedUpload, MAX_OBJECT_BYTES } from '../oss/oss.schemas.js';
import { Operation } from '../vms/vms.schemas.js';

// Images: a qcow2 or ISO uploaded to the platform's images bucket and turned into a template.

const Name = z.string().trim().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter (max 63)');
/** The uploaded file's name, kept in the object key: a plain name ending in .qcow2, .img or .iso. */
const FileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(qcow2|img|iso)$/i, 'a plain file name ending in .qcow2, .img or .iso')
  .refine((n) => !n.includes('..'), 'no ".."');

export const CreateImageBody = z.object({
  name: Name,
  osLabel: z.string().trim().min(1).max(80),
  fileName: FileName,
  size: z.number().int('whole bytes').min(1024, 'at least 1 KiB').max(MAX_OBJECT_BYTES),
  defaultDiskGiB: z.number().int().min(1).max(2048),
  maxDiskGiB: z.number().int().min(1).max(2048),
  minMemoryMiB: z.number().int().min(64).max(262_144),
  /** Admins: a template for everyone (default) rather than a personal one. */
  public: z.boolean().optional(),
  zone: Name.default('default'),
}).strict().refine((t) => t.maxDiskGiB >= t.defaultDiskGiB, { path: ['maxDiskGiB'], message: 'must be at least the default disk size' });

export const ImageIdParams = z.object({ id: z.uuid('not an image id') });
export const ImageUploadParams = z.object({ id: z.uuid('not an image id'), uploadId: z.uuid('not an upload id') });

export const ImageHost = z.object({ hostId: z.string(), hostName: z.string(), state: z.enum(['copying', 'ready', 'failed']), error: z.string().nullable() });
export const Image = z.object({
  id: z.string(), name: z.string(), osLabel: z.string(), zone: z.string(), public: z.boolean(), mine: z.boolean(),
  status: z.enum(['uploading', 'importing', 'ready', 'failed']), statusReason: z.string().nullable(), enabled: z.boolean(),
  format: z.string().nullable(), sizeBytes: z.number().nullable(), checksumSha256: z.string().nullable(),
  defaultDiskGiB: z.number().int(), maxDiskGiB: z.number().int(), minMemoryMiB: z.number().int(),
  hosts: z.array(ImageHost), createdAt: z.string(),
});
export const ImageList = z.object({ items: z.array(Image) });
export const ImageResponse = z.object({ image: Image });
/** A new image and the presigned upload of its file. */
export const BeganImage = BeganUpload.extend({ image: Image });
/** The file is in: the import to the hosts has started. */
export const CompletedImageUpload = CompletedUpload.extend({ operation: Operation });
export type ImageDto = z.infer<typeof Image>;

import { z } from 'zod';

const Name = z.string().trim().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter (max 63)');
const ImagePath = z.string().regex(/^\/[A-Za-z0-9._/-]{1,254}$/, 'an absolute path of letters, digits and ._-/').refine((p) => !p.split('/').includes('..'), 'no ".." segments');

const Sizes = {
  defaultDiskGiB: z.number().int().min(1).max(2048),
  maxDiskGiB: z.number().int().min(1).max(2048),
  minMemoryMiB: z.number().int().min(64).max(262_144),
};

export const CreateTemplateBody = z.object({
  name: Name, osLabel: z.string().trim().min(1).max(80), zone: Name.default('default'), imagePath: ImagePath,
  ...Sizes, enabled: z.boolean().default(true),
}).strict().refine((t) => t.maxDiskGiB >= t.defaultDiskGiB, { path: ['maxDiskGiB'], message: 'must be at least the default disk size' });

export const UpdateTemplateBody = z.object({
  osLabel: z.string().trim().min(1).max(80).optional(),
  /** An admin's own template only (an imported image's path and zone are the platform's). */
  zone: Name.optional(), imagePath: ImagePath.optional(),
  defaultDiskGiB: Sizes.defaultDiskGiB.optional(), maxDiskGiB: Sizes.maxDiskGiB.optional(), minMemoryMiB: Sizes.minMemoryMiB.optional(),
  enabled: z.boolean().optional(),
}).strict();

export const TemplateIdParams = z.object({ id: z.uuid('not a template id') });

export const Template = z.object({
  id: z.string(), name: z.string(), osLabel: z.string(), zone: z.string(), imagePath: z.string(),
  defaultDiskGiB: z.number().int(), maxDiskGiB: z.number().int(), minMemoryMiB: z.number().int(), enabled: z.boolean(),
  personal: z.boolean().describe('A user\'s own image, visible only to them'), imported: z.boolean().describe('Made from an uploaded image'),
  status: z.enum(['uploading', 'importing', 'ready', 'failed']),
});
export type TemplateFields = Omit<z.infer<typeof Template>, 'id' | 'personal' | 'imported' | 'status'>;
export const TemplateResponse = z.object({ template: Template });
export const TemplateList = z.object({ items: z.array(Template) });
export type TemplateDto = z.infer<typeof Template>;

export const ImageCheck = z.object({
  hostId: z.string(), hostName: z.string(),
  state: z.enum(['present', 'missing', 'unusable', 'unreachable', 'copying']).describe('present: a qcow2 the host reads; copying: an import is under way'),
  format: z.string().nullable(), virtualSizeBytes: z.number().nullable(), message: z.string().nullable(), checkedAt: z.string().nullable(),
});
export type ImageCheck = z.infer<typeof ImageCheck>;

export const FailingCreates = z.object({
  inRow: z.number().int().describe('Failed creates since the last one that succeeded'),
  lastHour: z.number().int(), lastFailedAt: z.string(), lastError: z.string().nullable().describe("The host's words of the last failure"),
});
export type FailingCreates = z.infer<typeof FailingCreates>;

/** What admins see of a template: where its image is, and whether creates from it keep failing. */
export const AdminTemplate = Template.extend({ hosts: z.array(ImageCheck), failingCreates: FailingCreates.nullable() });
export type AdminTemplateDto = z.infer<typeof AdminTemplate>;
export const AdminTemplateResponse = z.object({ template: AdminTemplate });
export const AdminTemplateList = z.object({ items: z.array(AdminTemplate) });

export const ImageCheckQuery = z.object({ zone: Name, imagePath: ImagePath });
export const ImageCheckResult = z.object({ hosts: z.array(ImageCheck) });

export const HostImagesQuery = z.object({ zone: Name.optional() });
export const HostImages = z.object({
  items: z.array(z.object({ path: z.string(), sizeBytes: z.number(), hosts: z.array(z.string()).describe('Names of the hosts whose base-image folder holds it') })),
  hosts: z.array(z.object({ hostId: z.string(), hostName: z.string(), listed: z.boolean(), message: z.string().nullable() })),
});
export type HostImages = z.infer<typeof HostImages>;

export const ZoneList = z.object({ items: z.array(z.object({ zone: z.string(), hosts: z.number().int(), ready: z.number().int() })) });

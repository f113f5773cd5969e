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

import { z } from 'zod';

export const FlavorBody = z.object({
  name: z.string().trim().regex(/^[a-z][a-z0-9.-]{0,31}$/, 'lowercase letters, digits, dots and dashes; starts with a letter (max 32)'),
  vcpus: z.number().int().min(1).max(16),
  memoryMiB: z.number().int().min(64).max(65_536).refine((m) => m % 64 === 0, 'a multiple of 64'),
  diskGiB: z.number().int().min(1).max(2048),
}).strict();
export const FlavorIdParams = z.object({ id: z.uuid('not a flavor id') });

export const Flavor = z.object({
  id: z.string(), name: z.string(), vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int(),
  creditsPerHour: z.number().describe('While it runs'), stoppedCreditsPerHour: z.number().describe('While stopped: the disk only'),
});
export const FlavorList = z.object({ items: z.array(Flavor) });
export const FlavorResponse = z.object({ flavor: Flavor });
export type FlavorDto = z.infer<typeof Flavor>;

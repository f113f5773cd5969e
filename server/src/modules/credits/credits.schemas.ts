import { z } from 'zod';
import { pageQuery } from '../users/users.schemas.js';

export const CreditsQuery = z.object({ ...pageQuery });
export const CreditEntry = z.object({
  id: z.string(), amount: z.number().int(), balanceAfter: z.number().int(), reason: z.string(), reference: z.string().nullable(), createdAt: z.string(),
  vm: z.object({ id: z.string(), name: z.string(), hour: z.number().int().nullable() }).nullable()
    .describe('The VM the entry is about (an hour of it, a refund), by name'),
});
export const CreditPage = z.object({ balance: z.number().int(), items: z.array(CreditEntry), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

import { z } from 'zod';

// What reconciliation finds (hosts against the database), as admins read it.

export const Finding = z.object({
  id: z.string(), kind: z.string(), hostName: z.string().nullable(), vmId: z.string().nullable(), domainName: z.string(),
  message: z.string(), createdAt: z.string(), resolvedAt: z.string().nullable(),
});

export const ReconcileResult = z.object({
  hosts: z.number(), corrected: z.number(), findings: z.number().describe('Findings this pass recorded'),
  items: z.array(Finding.extend({ new: z.boolean().describe('Recorded by this pass') })).describe('Every open finding after the pass'),
});

export type ReconcileResultDto = z.infer<typeof ReconcileResult>;

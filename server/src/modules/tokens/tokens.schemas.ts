import { z } from 'zod';

export const TokenScope = z.enum(['read', 'full']).describe('read: GET requests only; full: everything you may do (token management always needs a session)');
export const CreateTokenBody = z.object({
  name: z.string().trim().min(1, 'required').max(80, 'at most 80 characters'),
  scope: TokenScope.default('full'),
  expiresInDays: z.number().int().min(1).max(365).optional().describe('Omitted: the token never expires'),
}).strict();
export const TokenIdParams = z.object({ id: z.uuid('not a token id') });
export const Token = z.object({
  id: z.string(), name: z.string(), prefix: z.string().describe('First characters, to recognise the token'), scope: TokenScope,
  createdAt: z.string(), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(),
});
export const TokenList = z.object({
  items: z.array(Token),
  prunedAfterDays: z.number().int().describe('Revoked or expired tokens leave the list (and the database) this many days later'),
});
export const CreatedToken = z.object({ token: Token, secret: z.string().describe('Shown once; store it now') });

import { z } from 'zod';

export const KEYS_PER_USER = 20;

export const CreateKeyBody = z.object({
  name: z.string().trim().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters'),
  publicKey: z.string().trim().min(1).max(16_384).describe('One OpenSSH public key line: ed25519, ecdsa, or rsa of 2048 bits or more'),
}).strict();
export const KeyIdParams = z.object({ id: z.uuid('not a key id') });

export const SshKey = z.object({
  id: z.string(), name: z.string(), type: z.string(), bits: z.number().int(),
  fingerprint: z.string().describe('SHA256:… as `ssh-keygen -lf` prints it'),
  publicKey: z.string(), createdAt: z.string(),
});
export const SshKeyList = z.object({ items: z.array(SshKey) });
export const SshKeyResponse = z.object({ key: SshKey });
export type SshKeyDto = z.infer<typeof SshKey>;

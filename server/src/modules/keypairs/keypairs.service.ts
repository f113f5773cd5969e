import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { SshKey as SshKeyRow } from '../../generated/prisma/client.js';
import { KeyFormatError, parseOpenSshKey } from './openssh-key.js';
import { KEYS_PER_USER, type SshKeyDto } from './keypairs.schemas.js';

// Key pairs: SSH public keys a person saves once (Profile) and picks in the VM wizard; the
// chosen keys go into the VM's cloud-init seed. Only the public half is ever seen here.

const toDto = (k: SshKeyRow): SshKeyDto => ({
  id: k.id, name: k.name, type: k.type, bits: k.bits, fingerprint: k.fingerprint, publicKey: k.publicKey, createdAt: k.createdAt.toISOString(),
});

const invalidKey = (message: string) => errors.validation([{ path: 'publicKey', message }], 'key');

export async function listKeys(userId: string) {
  const rows = await db.sshKey.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  return { items: rows.map(toDto) };
}

export async function addKey(userId: string, input: { name: string; publicKey: string }): Promise<SshKeyDto> {
  let parsed;
  try {
    parsed = parseOpenSshKey(input.publicKey);
  } catch (e) {
    if (e instanceof KeyFormatError) throw invalidKey(e.message);
    throw e;
  }
  if ((await db.sshKey.count({ where: { userId } })) >= KEYS_PER_USER) {
    throw new AppError('QUOTA_EXCEEDED', `You can keep ${KEYS_PER_USER} keys; delete one first.`, { limit: KEYS_PER_USER });
  }
  try {
    const row = await db.sshKey.create({
      data: { id: randomUUID(), userId, name: input.name, type: parsed.type, bits: parsed.bits, publicKey: parsed.line, fingerprint: parsed.fingerprint },
    });
    return toDto(row);
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      const same = await db.sshKey.findFirst({ where: { userId, fingerprint: parsed.fingerprint }, select: { name: true } });
      throw errors.conflict(same ? `This key is already saved as "${same.name}".` : `You already have a key named "${input.name}".`);
    }
    throw e;
  }
}

export async function deleteKey(userId: string, id: string): Promise<void> {
  const { count } = await db.sshKey.deleteMany({ where: { id, userId } });
  if (count === 0) throw errors.notFound('Key');
}

/** The key lines of the person's own keys with these ids, in the order given; 404 names one that is not theirs. */
export async function keyLines(userId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.sshKey.findMany({ where: { userId, id: { in: ids } }, select: { id: true, publicKey: true } });
  const byId = new Map(rows.map((r) => [r.id, r.publicKey]));
  return ids.map((id) => {
    const line = byId.get(id);
    if (!line) throw errors.notFound('Key');
    return line;
  });
}

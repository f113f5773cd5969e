import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Flavor as FlavorRow } from '../../generated/prisma/client.js';
import { creditsPerHour, stoppedCreditsPerHour } from '../quotas/quotas.service.js';
import type { FlavorDto } from './flavors.schemas.js';

// Flavors: the sizes an admin names, smallest first, each with today's price running and
// stopped. They are a shortcut in the wizard, not a limit: a VM's size is still checked
// against the template and the quota when it is created.

const toDto = (f: FlavorRow): FlavorDto => ({
  id: f.id, name: f.name, vcpus: f.vcpus, memoryMiB: f.memoryMiB, diskGiB: f.diskGiB,
  creditsPerHour: creditsPerHour(f), stoppedCreditsPerHour: stoppedCreditsPerHour(f),
});

export async function listFlavors() {
  const rows = await db.flavor.findMany({ orderBy: [{ vcpus: 'asc' }, { memoryMiB: 'asc' }, { diskGiB: 'asc' }, { name: 'asc' }] });
  return { items: rows.map(toDto) };
}

export async function createFlavor(input: { name: string; vcpus: number; memoryMiB: number; diskGiB: number }): Promise<FlavorDto> {
  try {
    return toDto(await db.flavor.create({ data: { id: randomUUID(), ...input } }));
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`A size named "${input.name}" exists already.`);
    throw e;
  }
}

export async function deleteFlavor(id: string): Promise<void> {
  const { count } = await db.flavor.deleteMany({ where: { id } });
  if (count === 0) throw errors.notFound('Size');
}

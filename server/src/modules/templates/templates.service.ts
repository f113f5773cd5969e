import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { Prisma, type Template as TemplateRow } from '../../generated/prisma/client.js';
import type { TemplateDto, TemplateFields } from './templates.schemas.js';

const toDto = (t: TemplateRow): TemplateDto => ({
  id: t.id, name: t.name, osLabel: t.osLabel, zone: t.zone, imagePath: t.imagePath,
  defaultDiskGiB: t.defaultDiskGiB, maxDiskGiB: t.maxDiskGiB, minMemoryMiB: t.minMemoryMiB, enabled: t.enabled,
  personal: t.ownerId !== null, imported: t.sourceKey !== null, status: t.status,
});

/** The public templates (personal images are their owners' alone). */
export async function listTemplates() {
  return { items: (await db.template.findMany({ where: { ownerId: null }, orderBy: { name: 'asc' } })).map(toDto) };
}

/**
 * What a user may pick: enabled and ready, public or their own, with a ready host in service
 * in its zone; an imported image only once a host in service has its copy.
 */
export async function listUsableTemplates(userId: string) {
  const hosts = await db.host.findMany({ where: { status: 'ready', maintenance: false }, select: { id: true, zone: true } });
  const zones = [...new Set(hosts.map((h) => h.zone))];
  const inService = new Set(hosts.map((h) => h.id));
  const rows = await db.template.findMany({
    where: { enabled: true, status: 'ready', zone: { in: zones }, OR: [{ ownerId: null }, { ownerId: userId }] },
    include: { hosts: { where: { state: 'ready' }, select: { hostId: true } } },
    orderBy: { name: 'asc' },
  });
  return { items: rows.filter((t) => !t.sourceKey || t.hosts.some((h) => inService.has(h.hostId))).map(toDto) };
}

/** A public template (admins manage those; personal images belong to their owners). */
export async function getTemplate(id: string): Promise<TemplateRow> {
  const t = await db.template.findUnique({ where: { id } });
  if (!t || t.ownerId !== null) throw errors.notFound('Template');
  return t;
}

export async function createTemplate(input: TemplateFields): Promise<TemplateDto> {
  try {
    return toDto(await db.template.create({ data: { id: randomUUID(), ...input } }));
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`A template named "${input.name}" exists already.`);
    throw e;
  }
}

export async function updateTemplate(id: string, change: Partial<TemplateFields>): Promise<TemplateDto> {
  const t = await getTemplate(id);
  const next = { ...t, ...change };
  if (next.maxDiskGiB < next.defaultDiskGiB) throw errors.validation([{ path: 'body.maxDiskGiB', message: 'must be at least the default disk size' }]);
  return toDto(await db.template.update({ where: { id }, data: change }));
}

export async function deleteTemplate(id: string): Promise<void> {
  const t = await getTemplate(id);
  if (t.sourceKey) throw errors.conflict('This template was imported from an image: delete it from the Images page, which also removes the copies on the hosts.');
  const inUse = await db.vm.count({ where: { templateId: id, state: { not: 'deleted' } } });
  if (inUse) throw errors.conflict(`${inUse} VM(s) still use this template; disable it instead.`, { vms: inUse });
  await db.template.delete({ where: { id } });
}

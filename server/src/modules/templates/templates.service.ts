import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { Prisma, type Template as TemplateRow } from '../../generated/prisma/client.js';
import type { TemplateDto } from './templates.schemas.js';

const toDto = (t: TemplateRow): TemplateDto => ({
  id: t.id, name: t.name, osLabel: t.osLabel, zone: t.zone, imagePath: t.imagePath,
  defaultDiskGiB: t.defaultDiskGiB, maxDiskGiB: t.maxDiskGiB, minMemoryMiB: t.minMemoryMiB, enabled: t.enabled,
});

export async function listTemplates() {
  return { items: (await db.template.findMany({ orderBy: { name: 'asc' } })).map(toDto) };
}

/** What users may pick: enabled, and at least one ready host in service in its zone. */
export async function listUsableTemplates() {
  const zones = (await db.host.findMany({ where: { status: 'ready', maintenance: false }, select: { zone: true }, distinct: ['zone'] })).map((h) => h.zone);
  const rows = await db.template.findMany({ where: { enabled: true, zone: { in: zones } }, orderBy: { name: 'asc' } });
  return { items: rows.map(toDto) };
}

export async function getTemplate(id: string): Promise<TemplateRow> {
  const t = await db.template.findUnique({ where: { id } });
  if (!t) throw errors.notFound('Template');
  return t;
}

export async function createTemplate(input: Omit<TemplateDto, 'id'>): Promise<TemplateDto> {
  try {
    return toDto(await db.template.create({ data: { id: randomUUID(), ...input } }));
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`A template named "${input.name}" exists already.`);
    throw e;
  }
}

export async function updateTemplate(id: string, change: Partial<TemplateDto>): Promise<TemplateDto> {
  const t = await getTemplate(id);
  const next = { ...t, ...change };
  if (next.maxDiskGiB < next.defaultDiskGiB) throw errors.validation([{ path: 'body.maxDiskGiB', message: 'must be at least the default disk size' }]);
  return toDto(await db.template.update({ where: { id }, data: change }));
}

export async function deleteTemplate(id: string): Promise<void> {
  await getTemplate(id);
  const inUse = await db.vm.count({ where: { templateId: id, state: { not: 'deleted' } } });
  if (inUse) throw errors.conflict(`${inUse} VM(s) still use this template; disable it instead.`, { vms: inUse });
  await db.template.delete({ where: { id } });
}

import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { Prisma, type Template as TemplateRow } from '../../generated/prisma/client.js';
import type { AdminTemplateDto, ImageCheck, TemplateDto, TemplateFields } from './templates.schemas.js';
import { failingTemplates } from './template-failures.js';
import { assertOfferable, checkImage, rememberChecks } from './template-images.js';

const toDto = (t: TemplateRow): TemplateDto => ({
  id: t.id, name: t.name, osLabel: t.osLabel, zone: t.zone, imagePath: t.imagePath,
  defaultDiskGiB: t.defaultDiskGiB, maxDiskGiB: t.maxDiskGiB, minMemoryMiB: t.minMemoryMiB, enabled: t.enabled,
  personal: t.ownerId !== null, imported: t.sourceKey !== null, status: t.status,
});

const withHostChecks = { hosts: { include: { host: { select: { name: true } } }, orderBy: { host: { name: 'asc' } } } } as const;
type TemplateWithHosts = Prisma.TemplateGetPayload<{ include: typeof withHostChecks }>;

/** An imported copy's state, or the last check of an admin's path, in one shape. */
function hostCheck(h: TemplateWithHosts['hosts'][number]): ImageCheck {
  const imported = { ready: 'present', copying: 'copying', failed: 'unusable' } as const;
  return {
    hostId: h.hostId, hostName: h.host.name, state: (h.checkResult as ImageCheck['state'] | null) ?? imported[h.state],
    format: h.format, virtualSizeBytes: h.virtualSizeBytes === null ? null : Number(h.virtualSizeBytes), message: h.error, checkedAt: (h.checkedAt ?? h.updatedAt).toISOString(),
  };
}

async function toAdminDtos(rows: TemplateWithHosts[]): Promise<AdminTemplateDto[]> {
  const failing = await failingTemplates(rows.map((t) => t.id));
  return rows.map((t) => ({ ...toDto(t), hosts: t.hosts.map(hostCheck), failingCreates: failing.get(t.id) ?? null }));
}

async function adminDto(id: string): Promise<AdminTemplateDto> {
  return (await toAdminDtos([await db.template.findUniqueOrThrow({ where: { id }, include: withHostChecks })]))[0]!;
}

/** The public templates (personal images are their owners' alone), with their hosts and failure flags. */
export async function listTemplates() {
  return { items: await toAdminDtos(await db.template.findMany({ where: { ownerId: null }, orderBy: { name: 'asc' }, include: withHostChecks })) };
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

/** Checks the image on the zone's hosts first: an enabled template needs it on one of them. */
export async function createTemplate(input: TemplateFields): Promise<AdminTemplateDto> {
  const checks = await checkImage(input.zone, input.imagePath);
  if (input.enabled) assertOfferable(input.imagePath, input.zone, checks);
  const id = randomUUID();
  try {
    await db.template.create({ data: { id, ...input } });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`A template named "${input.name}" exists already.`);
    throw e;
  }
  await rememberChecks(id, input.imagePath, checks);
  return adminDto(id);
}

/**
 * A new path or zone, or switching the template on, asks the hosts again; an enabled
 * template must keep an image one of them has. An imported image's path and zone are fixed.
 */
export async function updateTemplate(id: string, change: Partial<TemplateFields>): Promise<AdminTemplateDto> {
  const t = await getTemplate(id);
  const next = { ...t, ...change };
  if (next.maxDiskGiB < next.defaultDiskGiB) throw errors.validation([{ path: 'body.maxDiskGiB', message: 'must be at least the default disk size' }]);
  const moved = next.imagePath !== t.imagePath || next.zone !== t.zone;
  if (t.sourceKey && moved) throw errors.conflict('This template was imported from an image: its copies on the hosts are the platform\'s. Upload the image again for another zone.');
  let checks: ImageCheck[] | null = null;
  if (!t.sourceKey && (moved || (next.enabled && !t.enabled))) {
    checks = await checkImage(next.zone, next.imagePath);
    // A refused enable still shows the admin what the hosts said, on the row as it stands.
    if (next.enabled && !moved) await rememberChecks(id, next.imagePath, checks);
    if (next.enabled) assertOfferable(next.imagePath, next.zone, checks);
  }
  await db.template.update({ where: { id }, data: change });
  if (checks) await rememberChecks(id, next.imagePath, checks);
  return adminDto(id);
}

/** Asks the hosts about an admin's template image again (an imported one shows its copies). */
export async function recheckTemplate(id: string): Promise<AdminTemplateDto> {
  const t = await getTemplate(id);
  if (!t.sourceKey) await rememberChecks(id, t.imagePath, await checkImage(t.zone, t.imagePath));
  return adminDto(id);
}

export async function deleteTemplate(id: string): Promise<void> {
  const t = await getTemplate(id);
  if (t.sourceKey) throw errors.conflict('This template was imported from an image: delete it from the Images page, which also removes the copies on the hosts.');
  const inUse = await db.vm.count({ where: { templateId: id, state: { not: 'deleted' } } });
  if (inUse) throw errors.conflict(`${inUse} VM(s) still use this template; disable it instead.`, { vms: inUse });
  await db.template.delete({ where: { id } });
}

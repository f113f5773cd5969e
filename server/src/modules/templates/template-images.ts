import { UnsafeValueError } from '../../drivers/driver-errors.js';
import { CommandFailedError } from '../../drivers/ssh/ssh-errors.js';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { logger } from '../../platform/logger.js';
import type { Host } from '../../generated/prisma/client.js';
import { driversFor } from '../hosts/host-connections.js';
import type { HostImages, ImageCheck } from './templates.schemas.js';

// An admin's template names an image path; the image itself is a file on every host of the
// template's zone. These checks ask each ready host over SSH (`qemu-img info --output=json`,
// argv-quoted by the driver) whether the file is there and usable, keep the answers per host
// (TemplateHost), and list what the hosts' base-image folders hold for the picker.

const hostsOfZone = (zone?: string) => db.host.findMany({ where: { status: 'ready', ...(zone ? { zone } : {}) }, orderBy: { name: 'asc' } });

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

async function checkOn(host: Host, imagePath: string): Promise<ImageCheck> {
  const base = { hostId: host.id, hostName: host.name, format: null, virtualSizeBytes: null, checkedAt: new Date().toISOString() };
  try {
    const { hypervisor } = await driversFor(host);
    const info = await hypervisor.imageInfo(imagePath);
    if (!info) return { ...base, state: 'missing', message: `No file ${imagePath} on ${host.name}.` };
    const found = { ...base, format: info.format, virtualSizeBytes: info.virtualSizeBytes };
    // VMs start as qcow2 overlays of the base (qemu-img create -F qcow2 -b BASE).
    if (info.format !== 'qcow2') return { ...found, state: 'unusable', message: `The file is ${info.format}; VMs start from qcow2 base images.` };
    return { ...found, state: 'present', message: null };
  } catch (e) {
    if (e instanceof UnsafeValueError) return { ...base, state: 'unusable', message: `The path is outside ${host.name}'s image directory (${host.imageDir}).` };
    if (e instanceof CommandFailedError) return { ...base, state: 'unusable', message: `qemu-img cannot read it: ${e.stderrTail.slice(0, 300)}` };
    return { ...base, state: 'unreachable', message: `Not checked: ${reason(e)}` };
  }
}

/** Asks every ready host of the zone about the image; nothing is stored. */
export async function checkImage(zone: string, imagePath: string): Promise<ImageCheck[]> {
  return Promise.all((await hostsOfZone(zone)).map((h) => checkOn(h, imagePath)));
}

/**
 * The rule for offering a template: at least one host has its image, unless no host could
 * say (a zone without hosts yet, or every host unreachable: the check is repeated on enable).
 */
export function assertOfferable(imagePath: string, zone: string, checks: ImageCheck[]): void {
  if (checks.some((c) => c.state === 'present')) return;
  const answered = checks.filter((c) => c.state === 'missing' || c.state === 'unusable');
  if (!answered.length) return;
  const perHost = answered.map((c) => `${c.hostName}: ${c.state === 'missing' ? 'missing' : c.message}`).join('; ');
  throw new AppError(
    'IMAGE_MISSING',
    `${imagePath} is not a usable image on any host of zone "${zone}" (${perHost}). A template without its image cannot be offered: put the image on a host, pick one the hosts have, or save the template switched off.`,
    { imagePath, zone, hosts: checks },
  );
}

/** Keeps the answers: one TemplateHost row per host checked, rows of other hosts dropped. */
export async function rememberChecks(templateId: string, imagePath: string, checks: ImageCheck[]): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.templateHost.deleteMany({ where: { templateId, hostId: { notIn: checks.map((c) => c.hostId) } } });
    for (const c of checks) {
      const data = {
        path: imagePath, state: c.state === 'present' ? 'ready' as const : 'failed' as const, error: c.message,
        checkResult: c.state, format: c.format, virtualSizeBytes: c.virtualSizeBytes === null ? null : BigInt(c.virtualSizeBytes), checkedAt: c.checkedAt ? new Date(c.checkedAt) : new Date(),
      };
      await tx.templateHost.upsert({ where: { templateId_hostId: { templateId, hostId: c.hostId } }, create: { templateId, hostId: c.hostId, ...data }, update: data });
    }
  });
}

/**
 * What the base-image folders of the zone's ready hosts hold (all ready hosts without a zone),
 * one entry per path with the hosts that have it: the template dialog's picker.
 */
export async function listHostImages(zone?: string): Promise<HostImages> {
  const hosts = await hostsOfZone(zone);
  const byPath = new Map<string, { path: string; sizeBytes: number; hosts: string[] }>();
  const answers = await Promise.all(hosts.map(async (h) => {
    try {
      const { hypervisor } = await driversFor(h);
      for (const f of await hypervisor.listBaseImages()) {
        const entry = byPath.get(f.path) ?? { path: f.path, sizeBytes: f.sizeBytes, hosts: [] };
        entry.hosts.push(h.name);
        byPath.set(f.path, entry);
      }
      return { hostId: h.id, hostName: h.name, listed: true, message: null };
    } catch (e) {
      logger.warn({ err: e, host: h.name }, 'could not list the host\'s base images');
      return { hostId: h.id, hostName: h.name, listed: false, message: `Not listed: ${reason(e)}` };
    }
  }));
  const items = [...byPath.values()].map((i) => ({ ...i, hosts: i.hosts.sort() })).sort((a, b) => b.hosts.length - a.hosts.length || a.path.localeCompare(b.path));
  return { items, hosts: answers };
}

/** The zones hosts are in, with how many of their hosts are ready: the template zone field. */
export async function hostZones() {
  const rows = await db.host.groupBy({ by: ['zone', 'status'], _count: true });
  const zones = new Map<string, { zone: string; hosts: number; ready: number }>();
  for (const r of rows) {
    const z = zones.get(r.zone) ?? { zone: r.zone, hosts: 0, ready: 0 };
    z.hosts += r._count;
    if (r.status === 'ready') z.ready += r._count;
    zones.set(r.zone, z);
  }
  return { items: [...zones.values()].sort((a, b) => a.zone.localeCompare(b.zone)) };
}

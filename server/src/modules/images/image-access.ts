import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/context.js';
import type { Host, Template, TemplateHost } from '../../generated/prisma/client.js';
import type { ImageDto } from './images.schemas.js';

// Who sees and changes which image: a public one (ownerId NULL) is everyone's to use and an
// admin's to change; a personal one is its owner's alone (anyone else: not found).

export type ImageRow = Template & { hosts: (TemplateHost & { host: Pick<Host, 'name'> })[] };
export const withHosts = { hosts: { include: { host: { select: { name: true } } } } } as const;

export const imageKey = (t: Pick<Template, 'id' | 'ownerId'>, fileName: string) => `${t.ownerId ? `users/${t.ownerId}` : 'public'}/${t.id}/${fileName}`;
export const imagesBucket = () => config.OSS_IMAGES_BUCKET;

export const toImageDto = (t: ImageRow, viewer: string): ImageDto => ({
  id: t.id, name: t.name, osLabel: t.osLabel, zone: t.zone, public: t.ownerId === null, mine: t.ownerId === viewer,
  status: t.status, statusReason: t.statusReason, enabled: t.enabled, format: t.format, sizeBytes: t.sizeBytes === null ? null : Number(t.sizeBytes),
  checksumSha256: t.checksumSha256, defaultDiskGiB: t.defaultDiskGiB, maxDiskGiB: t.maxDiskGiB, minMemoryMiB: t.minMemoryMiB,
  hosts: t.hosts.map((h) => ({ hostId: h.hostId, hostName: h.host.name, state: h.state, error: h.error })),
  createdAt: t.createdAt.toISOString(),
});

/** An imported image the caller may see. */
export async function visibleImage(user: Principal, id: string): Promise<ImageRow> {
  const t = await db.template.findUnique({ where: { id }, include: withHosts });
  if (!t || !t.sourceKey || (t.ownerId !== null && t.ownerId !== user.userId)) throw errors.notFound('Image');
  return t;
}

/** An imported image the caller may change: their own, or a public one for admins. */
export async function changeableImage(user: Principal, id: string): Promise<ImageRow> {
  const t = await visibleImage(user, id);
  if (t.ownerId === null && user.role !== 'admin') throw errors.forbidden('Only administrators change public images.');
  return t;
}

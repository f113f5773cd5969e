import { randomUUID } from 'node:crypto';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/context.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import { s3 } from '../oss/oss-store.js';
import { registerExtraUsage } from '../oss/oss-usage.js';
import { abortUpload, beginUploadInto, completeUpload, presignParts, uploadStatus } from '../oss/uploads.service.js';
import { toOperationDto } from '../vms/vms.service.js';
import { changeableImage, imageKey, imagesBucket, toImageDto, visibleImage, withHosts } from './image-access.js';
import type { CreateImageBody } from './images.schemas.js';
import './image-import.js';
import type { z } from 'zod';

// Images: a user (or an admin, for everyone) uploads a qcow2 or ISO straight to the platform's
// images bucket with presigned URLs, then the platform imports it as a template (image-import.ts).
// A personal image counts against its owner's object quota; a public one does not.

type CreateImage = z.output<typeof CreateImageBody>;

// Personal images live in the images bucket, not a user's: the usage scan counts them here.
registerExtraUsage(async () => {
  const rows = await db.template.groupBy({ by: ['ownerId'], where: { ownerId: { not: null }, sourceKey: { not: null }, sizeBytes: { not: null } }, _sum: { sizeBytes: true }, _count: true });
  return new Map(rows.map((r) => [r.ownerId!, { bytes: r._sum.sizeBytes ?? 0n, objects: r._count }]));
});

export async function listImages(user: Principal) {
  const rows = await db.template.findMany({
    where: { sourceKey: { not: null }, OR: [{ ownerId: null }, { ownerId: user.userId }] },
    include: withHosts, orderBy: [{ ownerId: 'asc' }, { name: 'asc' }],
  });
  return { items: rows.map((t) => toImageDto(t, user.userId)) };
}

export async function createImage(user: Principal, body: CreateImage) {
  const isPublic = body.public ?? user.role === 'admin';
  if (isPublic && user.role !== 'admin') throw errors.forbidden('Only administrators add public images; leave "public" off for a personal one.');
  await s3((store) => store.ensureBucket(imagesBucket()));
  const id = randomUUID();
  const ownerId = isPublic ? null : user.userId;
  const sourceKey = imageKey({ id, ownerId }, body.fileName);
  try {
    await db.template.create({
      data: {
        id, name: body.name, nameScope: ownerId ?? 'public', ownerId, osLabel: body.osLabel, zone: body.zone,
        imagePath: `/var/lib/libvirt/images/base/img-${id}.${body.fileName.toLowerCase().endsWith('.iso') ? 'iso' : 'qcow2'}`,
        defaultDiskGiB: body.defaultDiskGiB, maxDiskGiB: body.maxDiskGiB, minMemoryMiB: body.minMemoryMiB,
        enabled: false, status: 'uploading', sourceKey, sizeBytes: null,
      },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`${isPublic ? 'A public' : 'One of your'} templates is named "${body.name}" already.`);
    throw e;
  }
  try {
    const began = await beginUploadInto({ ownerId: user.userId, bucket: imagesBucket(), key: sourceKey, size: body.size, overwrite: false, counted: !isPublic });
    return { image: toImageDto(await visibleImage(user, id), user.userId), ...began };
  } catch (e) {
    await db.template.delete({ where: { id } });
    throw e;
  }
}

/** The upload of an image still uploading: only its creator drives it. */
async function uploadingImage(user: Principal, id: string) {
  const t = await changeableImage(user, id);
  if (t.status !== 'uploading') throw errors.conflict(`This image is ${t.status}; its upload is over.`);
  return t;
}

export async function imageUploadStatus(user: Principal, id: string, uploadId: string) {
  await uploadingImage(user, id);
  return uploadStatus(user.userId, imagesBucket(), uploadId);
}

export async function imageUploadParts(user: Principal, id: string, uploadId: string, numbers: number[]) {
  await uploadingImage(user, id);
  return presignParts(user.userId, imagesBucket(), uploadId, numbers);
}

export async function abortImageUpload(user: Principal, id: string, uploadId: string) {
  await uploadingImage(user, id);
  await abortUpload(user.userId, imagesBucket(), uploadId);
  await db.template.delete({ where: { id } });
}

/** Completes the upload and starts the import (inspect, copy to hosts, register). */
export async function completeImageUpload(user: Principal, id: string, uploadId: string) {
  const t = await uploadingImage(user, id);
  const done = await completeUpload(user.userId, imagesBucket(), uploadId);
  const operation = await startImport(t.id, user.userId, 'importing');
  return { object: done.object, operation };
}

async function startImport(templateId: string, ownerId: string, status: 'importing' | 'ready') {
  const opId = await db.$transaction(async (tx) => {
    const busy = await tx.operation.count({ where: { targetType: 'template', targetId: templateId, state: { in: ['pending', 'running'] } } });
    if (busy) throw errors.conflict('An import or removal of this image is already running; wait for it to finish.');
    if (status === 'importing') await tx.template.update({ where: { id: templateId }, data: { status } });
    return createOperation(tx, { kind: 'template.import', targetType: 'template', targetId: templateId, ownerId, params: { templateId } });
  });
  await enqueueOperation(opId, 'template.import');
  return toOperationDto(await db.operation.findUniqueOrThrow({ where: { id: opId } }));
}

/** Copies the image again to the hosts that lack it (a new host, one that failed). */
export async function reimport(user: Principal, id: string) {
  const t = await changeableImage(user, id);
  if (t.status === 'uploading') throw errors.conflict('The image has not been uploaded yet.');
  return { operation: await startImport(t.id, user.userId, t.status === 'ready' ? 'ready' : 'importing') };
}

export async function deleteImage(user: Principal, id: string) {
  const t = await changeableImage(user, id);
  const inUse = await db.vm.count({ where: { templateId: id, state: { not: 'deleted' } } });
  if (inUse) throw errors.conflict(`${inUse} VM(s) still use this image; delete them first.`, { vms: inUse });
  const opId = await db.$transaction(async (tx) => {
    const busy = await tx.operation.count({ where: { targetType: 'template', targetId: id, state: { in: ['pending', 'running'] } } });
    if (busy) throw errors.conflict('An import of this image is running; wait for it to finish.');
    await tx.template.update({ where: { id }, data: { enabled: false } });
    return createOperation(tx, { kind: 'template.remove', targetType: 'template', targetId: id, ownerId: user.userId, params: { templateId: t.id } });
  });
  await enqueueOperation(opId, 'template.remove');
  return { operation: toOperationDto(await db.operation.findUniqueOrThrow({ where: { id: opId } })) };
}

export async function getImage(user: Principal, id: string) {
  return { image: toImageDto(await visibleImage(user, id), user.userId) };
}

import { z } from 'zod';
import { Operation, SnapshotName } from '../vms/vms.schemas.js';

// The contract of block storage: users' volumes and their snapshots, admins' storage pools.

export const VolumeName = z.string().trim().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes; starts with a letter, does not end with a dash (max 63)');
const SizeGiB = z.number().int().min(1).max(2048);

export const CreateVolumeBody = z.object({
  name: VolumeName,
  sizeGiB: SizeGiB,
  vmId: z.uuid('not a VM id').optional().describe('Place the volume on the host of this VM (to attach it there)'),
}).strict();
export const ResizeVolumeBody = z.object({ sizeGiB: SizeGiB }).strict();
export const AttachVolumeBody = z.object({ vmId: z.uuid('not a VM id') }).strict();
export const VolumeIdParams = z.object({ id: z.uuid('not a volume id') });
export const VolumeSnapshotParams = z.object({ id: z.uuid('not a volume id'), name: SnapshotName });
export const CreateVolumeSnapshotBody = z.object({ name: SnapshotName }).strict();
export const VolumeListQuery = z.object({ vmId: z.uuid('not a VM id').optional() }).strict();

export const Volume = z.object({
  id: z.string(), name: z.string(), sizeGiB: z.number().int(),
  state: z.enum(['creating', 'ready', 'error', 'deleting', 'deleted']),
  hostName: z.string(), poolName: z.string(),
  vm: z.object({ id: z.string(), name: z.string(), state: z.string() }).nullable().describe('The VM it is attached to'),
  device: z.string().nullable().describe("The guest's device while attached (vdb ...)"),
  creditsPerHour: z.number().int(), currentOperationId: z.string().nullable(), lastError: z.string().nullable(), createdAt: z.string(),
});
export const VolumeResponse = z.object({ volume: Volume });
export const VolumeList = z.object({ items: z.array(Volume) });
export const VolumeAccepted = z.object({
  volume: Volume, operation: Operation,
  live: z.boolean().optional().describe('Attach/detach: true when it happens on the running VM, false when on the stopped VM (seen at its next start)'),
});
export const VolumeSnapshotList = z.object({
  items: z.array(z.object({ name: z.string(), createdAt: z.string(), sizeGiB: z.number().int(), chargedGiB: z.number().int().describe('What it counts against the disk quota') })),
});

export const PoolName = z.string().trim().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter');
export const PoolPath = z.string().trim().max(255).regex(/^(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})+$/, 'an absolute path of plain names (A-Z, a-z, 0-9, ".", "_", "-")')
  .refine((p) => !p.split('/').some((s) => s === '..' || s.includes('..')), 'no ".."');
export const CreatePoolBody = z.object({
  hostId: z.uuid('not a host id'), name: PoolName, path: PoolPath,
  reserveGiB: z.number().int().min(0).max(100_000).optional().describe('Free space new volumes and snapshots may not use (default STORAGE_POOL_RESERVE_GIB)'),
}).strict();
export const UpdatePoolBody = z.object({ reserveGiB: z.number().int().min(0).max(100_000) }).strict();
export const PoolIdParams = z.object({ id: z.uuid('not a pool id') });
export const StoragePool = z.object({
  id: z.string(), hostId: z.string(), hostName: z.string(), name: z.string(), path: z.string(),
  status: z.enum(['pending', 'ready', 'error']), health: z.string().nullable().describe('The pool\'s health in words'),
  capacityBytes: z.number().nullable(), freeBytes: z.number().nullable(), reserveGiB: z.number().int(),
  volumes: z.number().int(), probedAt: z.string().nullable(),
});
export const PoolResponse = z.object({ pool: StoragePool });
export const PoolList = z.object({ items: z.array(StoragePool) });

export type VolumeDto = z.infer<typeof Volume>;
export type PoolDto = z.infer<typeof StoragePool>;
export type CreateVolumeInput = z.infer<typeof CreateVolumeBody>;

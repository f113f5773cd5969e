import { z } from 'zod';
import { moduleRouter } from '../../platform/http/route.js';
import {
  AttachVolumeBody, CreatePoolBody, CreateVolumeBody, CreateVolumeSnapshotBody, PoolIdParams, PoolList, PoolResponse, ResizeVolumeBody, UpdatePoolBody,
  VolumeAccepted, VolumeIdParams, VolumeList, VolumeListQuery, VolumeResponse, VolumeSnapshotList, VolumeSnapshotParams,
} from './volumes.schemas.js';
import { attachVolume, createVolume, deleteVolume, detachVolume, getVolume, listVolumes, resizeVolume } from './volumes.service.js';
import { createVolumeSnapshot, deleteVolumeSnapshot, listVolumeSnapshots, revertVolumeSnapshot } from './volume-snapshots.js';
import { createPool, deletePool, getPool, listPools, probePoolNow, updatePool } from './storage-pools.service.js';
import { reconcileVolumes } from './volume-lifecycle.js';

export const volumesRoutes = moduleRouter('/api/volumes', 'volumes');

volumesRoutes.get('/', { summary: 'My volumes (vmId: those attached to one VM)', access: 'user', query: VolumeListQuery, responses: { 200: VolumeList } },
  async ({ query, user }) => ({ status: 200, body: await listVolumes(user.userId, query.vmId) }));

volumesRoutes.post('/', { summary: 'Create a volume (on the host of vmId when given; 202: follow the operation)', access: 'user', body: CreateVolumeBody, responses: { 202: VolumeAccepted }, audit: 'volume.create' },
  async ({ body, user, req }) => {
    const r = await createVolume(user.userId, body);
    Object.assign(req.audit, { targetType: 'volume', targetId: r.volume.id, details: { name: body.name, sizeGiB: body.sizeGiB, operationId: r.operation.id } });
    return { status: 202, body: r };
  });

volumesRoutes.get('/:id', { summary: 'One of my volumes', access: 'user', params: VolumeIdParams, responses: { 200: VolumeResponse } },
  async ({ params, user }) => ({ status: 200, body: { volume: await getVolume(user.userId, params.id) } }));

volumesRoutes.post('/:id/resize', { summary: 'Grow a volume (never shrinks; live on a running VM)', access: 'user', params: VolumeIdParams, body: ResizeVolumeBody, responses: { 202: VolumeAccepted }, audit: 'volume.resize' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: body });
    return { status: 202, body: await resizeVolume(user.userId, params.id, body.sizeGiB) };
  });

volumesRoutes.post('/:id/attach', { summary: 'Attach to a VM of the same host: live when it runs, else to the stopped VM', access: 'user', params: VolumeIdParams, body: AttachVolumeBody, responses: { 202: VolumeAccepted }, audit: 'volume.attach' },
  async ({ params, body, user, req }) => {
    const r = await attachVolume(user.userId, params.id, body.vmId);
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: { vmId: body.vmId, live: r.live } });
    return { status: 202, body: r };
  });

volumesRoutes.post('/:id/detach', { summary: 'Detach from its VM (live when it runs)', access: 'user', params: VolumeIdParams, responses: { 202: VolumeAccepted }, audit: 'volume.detach' },
  async ({ params, user, req }) => {
    const r = await detachVolume(user.userId, params.id);
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: { live: r.live } });
    return { status: 202, body: r };
  });

volumesRoutes.delete('/:id', { summary: 'Delete a volume and its snapshots (refused while attached)', access: 'user', params: VolumeIdParams, responses: { 202: VolumeAccepted }, audit: 'volume.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id });
    return { status: 202, body: await deleteVolume(user.userId, params.id) };
  });

volumesRoutes.get('/:id/snapshots', { summary: "A volume's snapshots, oldest first", access: 'user', params: VolumeIdParams, responses: { 200: VolumeSnapshotList } },
  async ({ params, user }) => ({ status: 200, body: await listVolumeSnapshots(user.userId, params.id) }));

volumesRoutes.post('/:id/snapshots', { summary: 'Take a snapshot (detached, or its VM stopped)', access: 'user', params: VolumeIdParams, body: CreateVolumeSnapshotBody, responses: { 202: VolumeAccepted }, audit: 'volume.snapshot.create' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: body });
    return { status: 202, body: await createVolumeSnapshot(user.userId, params.id, body.name) };
  });

volumesRoutes.post('/:id/snapshots/:name/revert', { summary: 'Return the volume to a snapshot', access: 'user', params: VolumeSnapshotParams, responses: { 202: VolumeAccepted }, audit: 'volume.snapshot.revert' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: { name: params.name } });
    return { status: 202, body: await revertVolumeSnapshot(user.userId, params.id, params.name) };
  });

volumesRoutes.delete('/:id/snapshots/:name', { summary: 'Delete a volume snapshot', access: 'user', params: VolumeSnapshotParams, responses: { 202: VolumeAccepted }, audit: 'volume.snapshot.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'volume', targetId: params.id, details: { name: params.name } });
    return { status: 202, body: await deleteVolumeSnapshot(user.userId, params.id, params.name) };
  });

export const storagePoolsRoutes = moduleRouter('/api/admin/storage-pools', 'volumes');

storagePoolsRoutes.get('/', { summary: 'Storage pools with capacity, free space and health', access: 'admin', responses: { 200: PoolList } },
  async () => ({ status: 200, body: await listPools() }));

storagePoolsRoutes.post('/', { summary: 'Define a dir pool on a host (built, started, autostarted) and probe it', access: 'admin', body: CreatePoolBody, responses: { 201: PoolResponse }, audit: 'admin.storage-pool.create' },
  async ({ body, req }) => {
    const pool = await createPool(body);
    Object.assign(req.audit, { targetType: 'storage-pool', targetId: pool.id, details: { name: pool.name, hostName: pool.hostName, path: pool.path, status: pool.status } });
    return { status: 201, body: { pool } };
  });

storagePoolsRoutes.post('/reconcile', { summary: 'Compare the pools\' files with the volumes now (findings for unknown files)', access: 'admin', responses: { 200: z.object({ pools: z.number().int(), findings: z.number().int() }) }, audit: 'admin.storage-pool.reconcile' },
  async () => ({ status: 200, body: await reconcileVolumes() }));

storagePoolsRoutes.get('/:id', { summary: 'One pool', access: 'admin', params: PoolIdParams, responses: { 200: PoolResponse } },
  async ({ params }) => ({ status: 200, body: { pool: await getPool(params.id) } }));

storagePoolsRoutes.post('/:id/probe', { summary: 'Define (again) and probe a pool now', access: 'admin', params: PoolIdParams, responses: { 200: PoolResponse }, audit: 'admin.storage-pool.probe' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'storage-pool', targetId: params.id });
    return { status: 200, body: { pool: await probePoolNow(params.id) } };
  });

storagePoolsRoutes.patch('/:id', { summary: "Change a pool's free-space reserve", access: 'admin', params: PoolIdParams, body: UpdatePoolBody, responses: { 200: PoolResponse }, audit: 'admin.storage-pool.update' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'storage-pool', targetId: params.id, details: body });
    return { status: 200, body: { pool: await updatePool(params.id, body) } };
  });

storagePoolsRoutes.delete('/:id', { summary: 'Forget a pool (refused while it holds volumes; files stay)', access: 'admin', params: PoolIdParams, responses: { 204: undefined }, audit: 'admin.storage-pool.delete' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'storage-pool', targetId: params.id });
    await deletePool(params.id);
    return { status: 204 };
  });

import { api, type RequestOptions } from './client';
import type {
  AttachVolumeBody, CreatePoolBody, CreateVolumeBody, CreateVolumeSnapshotBody, PoolList, PoolResponse, ResizeVolumeBody, UpdatePoolBody,
  VolumeAccepted, VolumeList, VolumeListQuery, VolumeSnapshotList,
} from './contract';

// Block storage: the user's volumes and their snapshots, the admins' storage pools. The types
// are server/src/modules/volumes/volumes.schemas.ts (./contract.ts).

export type { StoragePool, Volume, VolumeSnapshot } from './contract';
export type { VolumeAccepted as VolumeOperationResult } from './contract';

const v = (id: string) => `/api/volumes/${encodeURIComponent(id)}`;

export const listVolumes = async (vmId?: string) => (await api.get<VolumeList>('/api/volumes', { vmId } satisfies VolumeListQuery)).items;
export const createVolume = (body: CreateVolumeBody, options?: RequestOptions) => api.post<VolumeAccepted>('/api/volumes', body, options);
export const resizeVolume = (id: string, sizeGiB: number, options?: RequestOptions) => api.post<VolumeAccepted>(`${v(id)}/resize`, { sizeGiB } satisfies ResizeVolumeBody, options);
export const attachVolume = (id: string, vmId: string, options?: RequestOptions) => api.post<VolumeAccepted>(`${v(id)}/attach`, { vmId } satisfies AttachVolumeBody, options);
export const detachVolume = (id: string, options?: RequestOptions) => api.post<VolumeAccepted>(`${v(id)}/detach`, {}, options);
export const deleteVolume = (id: string, options?: RequestOptions) => api.deleteWithBody<VolumeAccepted>(v(id), options);

export const listVolumeSnapshots = async (id: string) => (await api.get<VolumeSnapshotList>(`${v(id)}/snapshots`)).items;
export const createVolumeSnapshot = (id: string, name: string, options?: RequestOptions) =>
  api.post<VolumeAccepted>(`${v(id)}/snapshots`, { name } satisfies CreateVolumeSnapshotBody, options);
export const revertVolumeSnapshot = (id: string, name: string, options?: RequestOptions) =>
  api.post<VolumeAccepted>(`${v(id)}/snapshots/${encodeURIComponent(name)}/revert`, {}, options);
export const deleteVolumeSnapshot = (id: string, name: string, options?: RequestOptions) =>
  api.deleteWithBody<VolumeAccepted>(`${v(id)}/snapshots/${encodeURIComponent(name)}`, options);

const p = (id: string) => `/api/admin/storage-pools/${encodeURIComponent(id)}`;
export const listPools = async () => (await api.get<PoolList>('/api/admin/storage-pools')).items;
export const createPool = async (body: CreatePoolBody, options?: RequestOptions) =>
  (await api.post<PoolResponse>('/api/admin/storage-pools', body, options)).pool;
export const probePool = async (id: string, options?: RequestOptions) => (await api.post<PoolResponse>(`${p(id)}/probe`, {}, options)).pool;
export const updatePool = async (id: string, reserveGiB: number, options?: RequestOptions) =>
  (await api.patch<PoolResponse>(p(id), { reserveGiB } satisfies UpdatePoolBody, options)).pool;
export const deletePool = (id: string, options?: RequestOptions) => api.delete(p(id), options);

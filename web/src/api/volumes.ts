import { api, type RequestOptions } from './client';
import type { Operation } from './types';

// Block storage: the user's volumes and their snapshots, the admins' storage pools. The shapes
// follow server/src/modules/volumes/volumes.schemas.ts.

export interface Volume {
  id: string; name: string; sizeGiB: number; state: 'creating' | 'ready' | 'error' | 'deleting' | 'deleted';
  hostName: string; poolName: string; vm: { id: string; name: string; state: string } | null; device: string | null;
  creditsPerHour: number; currentOperationId: string | null; lastError: string | null; createdAt: string;
}
export interface VolumeOperationResult { volume: Volume; operation: Operation; live?: boolean }
export interface VolumeSnapshot { name: string; createdAt: string; sizeGiB: number; chargedGiB: number }
export interface StoragePool {
  id: string; hostId: string; hostName: string; name: string; path: string; status: 'pending' | 'ready' | 'error';
  health: string | null; capacityBytes: number | null; freeBytes: number | null; reserveGiB: number; volumes: number; probedAt: string | null;
}

const v = (id: string) => `/api/volumes/${encodeURIComponent(id)}`;

export const listVolumes = async (vmId?: string) => (await api.get<{ items: Volume[] }>('/api/volumes', { vmId })).items;
export const createVolume = (body: { name: string; sizeGiB: number; vmId?: string }, options?: RequestOptions) => api.post<VolumeOperationResult>('/api/volumes', body, options);
export const resizeVolume = (id: string, sizeGiB: number, options?: RequestOptions) => api.post<VolumeOperationResult>(`${v(id)}/resize`, { sizeGiB }, options);
export const attachVolume = (id: string, vmId: string, options?: RequestOptions) => api.post<VolumeOperationResult>(`${v(id)}/attach`, { vmId }, options);
export const detachVolume = (id: string, options?: RequestOptions) => api.post<VolumeOperationResult>(`${v(id)}/detach`, {}, options);
export const deleteVolume = (id: string, options?: RequestOptions) => api.deleteWithBody<VolumeOperationResult>(v(id), options);

export const listVolumeSnapshots = async (id: string) => (await api.get<{ items: VolumeSnapshot[] }>(`${v(id)}/snapshots`)).items;
export const createVolumeSnapshot = (id: string, name: string, options?: RequestOptions) => api.post<VolumeOperationResult>(`${v(id)}/snapshots`, { name }, options);
export const revertVolumeSnapshot = (id: string, name: string, options?: RequestOptions) =>
  api.post<VolumeOperationResult>(`${v(id)}/snapshots/${encodeURIComponent(name)}/revert`, {}, options);
export const deleteVolumeSnapshot = (id: string, name: string, options?: RequestOptions) =>
  api.deleteWithBody<VolumeOperationResult>(`${v(id)}/snapshots/${encodeURIComponent(name)}`, options);

const p = (id: string) => `/api/admin/storage-pools/${encodeURIComponent(id)}`;
export const listPools = async () => (await api.get<{ items: StoragePool[] }>('/api/admin/storage-pools')).items;
export const createPool = async (body: { hostId: string; name: string; path: string; reserveGiB?: number }, options?: RequestOptions) =>
  (await api.post<{ pool: StoragePool }>('/api/admin/storage-pools', body, options)).pool;
export const probePool = async (id: string, options?: RequestOptions) => (await api.post<{ pool: StoragePool }>(`${p(id)}/probe`, {}, options)).pool;
export const updatePool = async (id: string, reserveGiB: number, options?: RequestOptions) => (await api.patch<{ pool: StoragePool }>(p(id), { reserveGiB }, options)).pool;
export const deletePool = (id: string, options?: RequestOptions) => api.delete(p(id), options);

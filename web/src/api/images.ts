import { api, type RequestOptions } from './client';
import type { Operation } from './types';
import type { PresignedPart, StoredObject, Upload, UploadApi } from './storage';

// Images: a qcow2 or ISO uploaded straight to the platform's images bucket, then imported as a
// template (server/src/modules/images).

export interface ImageHost { hostId: string; hostName: string; state: 'copying' | 'ready' | 'failed'; error: string | null }
export interface Image {
  id: string; name: string; osLabel: string; zone: string; public: boolean; mine: boolean;
  status: 'uploading' | 'importing' | 'ready' | 'failed'; statusReason: string | null; enabled: boolean;
  format: string | null; sizeBytes: number | null; checksumSha256: string | null;
  defaultDiskGiB: number; maxDiskGiB: number; minMemoryMiB: number; hosts: ImageHost[]; createdAt: string;
}
export interface CreateImageBody {
  name: string; osLabel: string; fileName: string; size: number; defaultDiskGiB: number; maxDiskGiB: number; minMemoryMiB: number;
  public?: boolean; zone?: string;
}
export interface BeganImage { image: Image; upload: Upload; url: string | null }

export const listImages = async () => (await api.get<{ items: Image[] }>('/api/images')).items;
export const createImage = (body: CreateImageBody, options?: RequestOptions) => api.post<BeganImage>('/api/images', body, options);
export const reimportImage = (id: string, options?: RequestOptions) => api.post<{ operation: Operation }>(`/api/images/${id}/import`, {}, options);
export const deleteImage = (id: string, options?: RequestOptions) => api.deleteWithBody<{ operation: Operation }>(`/api/images/${id}`, options);

/**
 * The upload engine's view of an image upload that has already begun (the image's create
 * call signed it). `onImport` receives the import operation its completion starts.
 */
export function imageUploadApi(began: BeganImage, onImport: (op: Operation) => void): UploadApi {
  const base = `/api/images/${began.image.id}/uploads/${began.upload.id}`;
  return {
    begin: async () => ({ upload: began.upload, url: began.url }),
    parts: async (_id, numbers) => (await api.get<{ parts: PresignedPart[] }>(`${base}/parts`, { numbers: numbers.join(',') })).parts,
    status: () => api.get(base),
    complete: async () => {
      const done = await api.post<{ object: StoredObject; operation: Operation }>(`${base}/complete`);
      onImport(done.operation);
      return { object: done.object };
    },
    abort: () => api.delete(base),
  };
}

import { api, type RequestOptions } from './client';
import type { BeganImage, CompletedImageUpload, CreateImageBody, ImageList, Operation, OperationResponse, PresignedParts, UploadStatus } from './contract';
import type { UploadApi } from './storage';

// Images: a qcow2 or ISO uploaded straight to the platform's images bucket, then imported as a
// template (server/src/modules/images).

export type { BeganImage, CreateImageBody, Image } from './contract';

export const listImages = async () => (await api.get<ImageList>('/api/images')).items;
export const createImage = (body: CreateImageBody, options?: RequestOptions) => api.post<BeganImage>('/api/images', body, options);
export const reimportImage = (id: string, options?: RequestOptions) => api.post<OperationResponse>(`/api/images/${id}/import`, {}, options);
export const deleteImage = (id: string, options?: RequestOptions) => api.deleteWithBody<OperationResponse>(`/api/images/${id}`, options);

/**
 * The upload engine's view of an image upload that has already begun (the image's create
 * call signed it). `onImport` receives the import operation its completion starts.
 */
export function imageUploadApi(began: BeganImage, onImport: (op: Operation) => void): UploadApi {
  const base = `/api/images/${began.image.id}/uploads/${began.upload.id}`;
  return {
    begin: async () => ({ upload: began.upload, url: began.url }),
    parts: async (_id, numbers) => (await api.get<PresignedParts>(`${base}/parts`, { numbers: numbers.join(',') })).parts,
    status: () => api.get<UploadStatus>(base),
    complete: async () => {
      const done = await api.post<CompletedImageUpload>(`${base}/complete`);
      onImport(done.operation);
      return { object: done.object };
    },
    abort: () => api.delete(base),
  };
}

import { api, type RequestOptions } from './client';

// Object storage: buckets, objects, presigned uploads and downloads, S3 access keys. The
// shapes follow server/src/modules/oss/oss.schemas.ts.

export interface Bucket { id: string; name: string; objects: number; bytes: number; scannedAt: string | null; createdAt: string }
export interface StoredObject { key: string; size: number; etag: string; lastModified: string }
export interface ObjectListing { prefix: string; folders: string[]; objects: StoredObject[]; nextToken: string | null }
export interface ObjectQuota {
  limits: { bytes: number; objects: number; buckets: number };
  used: { bytes: number; objects: number; buckets: number };
  reserved: { bytes: number; objects: number };
  scannedAt: string | null;
  creditsPerGiBDay: number;
}
export interface Upload {
  id: string; bucket: string; key: string; size: number; mode: 'single' | 'multipart';
  partSize: number; partCount: number; state: 'pending' | 'completed' | 'aborted'; expiresAt: string;
}
export interface PresignedPart { partNumber: number; size: number; url: string }
export interface S3AccessKey { id: string; name: string; accessKeyId: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }
export interface S3KeyList { items: S3AccessKey[]; endpoint: string | null; region: string }
export interface CreatedS3Key { key: S3AccessKey; secretAccessKey: string; endpoint: string | null; region: string }

const b = (bucket: string) => `/api/buckets/${encodeURIComponent(bucket)}`;

export const listBuckets = async () => (await api.get<{ items: Bucket[] }>('/api/buckets')).items;
export const createBucket = async (name: string, options?: RequestOptions) => (await api.post<{ bucket: Bucket }>('/api/buckets', { name }, options)).bucket;
export const deleteBucket = (name: string, options?: RequestOptions) => api.delete(b(name), options);
export const storageQuota = async () => (await api.get<{ quota: ObjectQuota }>('/api/storage/quota')).quota;

export const listObjects = (bucket: string, prefix: string, token?: string) =>
  api.get<ObjectListing>(`${b(bucket)}/objects`, { prefix, token, limit: 200 });
export const downloadUrl = (bucket: string, key: string) => api.get<{ url: string; expiresAt: string }>(`${b(bucket)}/download`, { key });
export const deleteObjects = (bucket: string, keys: string[], options?: RequestOptions) =>
  api.post<{ deleted: number; failed: string[] }>(`${b(bucket)}/objects/delete`, { keys }, options);
export const renameObject = (bucket: string, from: string, to: string, options?: RequestOptions) =>
  api.post<{ moved: number }>(`${b(bucket)}/objects/rename`, { from, to }, options);
export const createFolder = (bucket: string, key: string, options?: RequestOptions) => api.post<void>(`${b(bucket)}/folders`, { key }, options);

/** What the upload engine (transfer.ts) needs from the server; a test can hand it a fake. */
export interface UploadApi {
  begin(key: string, size: number, overwrite: boolean): Promise<{ upload: Upload; url: string | null }>;
  parts(uploadId: string, numbers: number[]): Promise<PresignedPart[]>;
  status(uploadId: string): Promise<{ upload: Upload; uploadedParts: { partNumber: number; size: number }[] }>;
  complete(uploadId: string): Promise<{ object: StoredObject }>;
  abort(uploadId: string): Promise<void>;
}

/** Uploads into a bucket of the caller's. */
export function bucketUploadApi(bucket: string): UploadApi {
  return {
    begin: (key, size, overwrite) => api.post(`${b(bucket)}/uploads`, { key, size, overwrite }),
    parts: async (id, numbers) => (await api.get<{ parts: PresignedPart[] }>(`${b(bucket)}/uploads/${id}/parts`, { numbers: numbers.join(',') })).parts,
    status: (id) => api.get(`${b(bucket)}/uploads/${id}`),
    complete: (id) => api.post(`${b(bucket)}/uploads/${id}/complete`),
    abort: (id) => api.delete(`${b(bucket)}/uploads/${id}`),
  };
}

export const listS3Keys = () => api.get<S3KeyList>('/api/me/s3-keys');
export const createS3Key = (name: string, options?: RequestOptions) => api.post<CreatedS3Key>('/api/me/s3-keys', { name }, options);
export const revokeS3Key = (id: string, options?: RequestOptions) => api.delete(`/api/me/s3-keys/${encodeURIComponent(id)}`, options);

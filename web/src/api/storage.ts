import { api, type RequestOptions } from './client';
import type {
  BeganUpload, BeginUploadBody, BucketList, BucketResponse, CompletedUpload, CreateFolderBody, CreatedS3Key, DeletedObjects, DeleteObjectsBody,
  DownloadUrl, ListObjectsQuery, ObjectListing, ObjectQuotaResponse, PresignedPart, PresignedParts, RenamedObjects, RenameObjectBody, S3KeyList, UploadStatus,
} from './contract';

// Object storage: buckets, objects, presigned uploads and downloads, S3 access keys; the types
// are server/src/modules/oss/oss.schemas.ts (./contract.ts).

export type { Bucket, CreatedS3Key, ObjectListing, ObjectQuota, ObjectQuotaPatch, ObjectQuotaResponse, PresignedPart, S3AccessKey, S3KeyList, StoredObject, Upload } from './contract';

const b = (bucket: string) => `/api/buckets/${encodeURIComponent(bucket)}`;

export const listBuckets = async () => (await api.get<BucketList>('/api/buckets')).items;
export const createBucket = async (name: string, options?: RequestOptions) => (await api.post<BucketResponse>('/api/buckets', { name }, options)).bucket;
export const deleteBucket = (name: string, options?: RequestOptions) => api.delete(b(name), options);
export const storageQuota = async () => (await api.get<ObjectQuotaResponse>('/api/storage/quota')).quota;

export const listObjects = (bucket: string, prefix: string, token?: string) =>
  api.get<ObjectListing>(`${b(bucket)}/objects`, { prefix, token, limit: 200 } satisfies ListObjectsQuery);
export const downloadUrl = (bucket: string, key: string) => api.get<DownloadUrl>(`${b(bucket)}/download`, { key });
export const deleteObjects = (bucket: string, keys: string[], options?: RequestOptions) =>
  api.post<DeletedObjects>(`${b(bucket)}/objects/delete`, { keys } satisfies DeleteObjectsBody, options);
export const renameObject = (bucket: string, from: string, to: string, options?: RequestOptions) =>
  api.post<RenamedObjects>(`${b(bucket)}/objects/rename`, { from, to } satisfies RenameObjectBody, options);
export const createFolder = (bucket: string, key: string, options?: RequestOptions) => api.post<void>(`${b(bucket)}/folders`, { key } satisfies CreateFolderBody, options);

/** What the upload engine (transfer.ts) needs from the server; a test can hand it a fake. */
export interface UploadApi {
  begin(key: string, size: number, overwrite: boolean): Promise<BeganUpload>;
  parts(uploadId: string, numbers: number[]): Promise<PresignedPart[]>;
  status(uploadId: string): Promise<UploadStatus>;
  complete(uploadId: string): Promise<CompletedUpload>;
  abort(uploadId: string): Promise<void>;
}

/** Uploads into a bucket of the caller's. */
export function bucketUploadApi(bucket: string): UploadApi {
  return {
    begin: (key, size, overwrite) => api.post<BeganUpload>(`${b(bucket)}/uploads`, { key, size, overwrite } satisfies BeginUploadBody),
    parts: async (id, numbers) => (await api.get<PresignedParts>(`${b(bucket)}/uploads/${id}/parts`, { numbers: numbers.join(',') })).parts,
    status: (id) => api.get<UploadStatus>(`${b(bucket)}/uploads/${id}`),
    complete: (id) => api.post<CompletedUpload>(`${b(bucket)}/uploads/${id}/complete`),
    abort: (id) => api.delete(`${b(bucket)}/uploads/${id}`),
  };
}

export const listS3Keys = () => api.get<S3KeyList>('/api/me/s3-keys');
export const createS3Key = (name: string, options?: RequestOptions) => api.post<CreatedS3Key>('/api/me/s3-keys', { name }, options);
export const revokeS3Key = (id: string, options?: RequestOptions) => api.delete(`/api/me/s3-keys/${encodeURIComponent(id)}`, options);

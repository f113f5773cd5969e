import { moduleRouter } from '../../platform/http/route.js';
import {
  BeganUpload, BeginUploadBody, BucketList, BucketParams, BucketResponse, CompletedUpload, CreateBucketBody, CreateFolderBody, DeletedObjects,
  DeleteObjectsBody, DownloadUrl, KeyQuery, ListObjectsQuery, ObjectListing, ObjectQuotaResponse, PartsQuery, PresignedParts, RenamedObjects,
  RenameObjectBody, UpdateObjectQuotaBody, UploadParams, UploadStatus,
} from './oss.schemas.js';
import { UserIdParams } from '../users/users.schemas.js';
import { createBucket, deleteBucket, listBuckets } from './buckets.service.js';
import { createFolder, deleteObjects, downloadUrl, listObjects, renameObject } from './objects.service.js';
import { abortUpload, beginUpload, completeUpload, presignParts, uploadStatus } from './uploads.service.js';
import { existingUser, objectQuotaView, setObjectQuota } from './object-quota.js';

export const bucketsRoutes = moduleRouter('/api/buckets', 'storage');

bucketsRoutes.get('/', { summary: 'My buckets', access: 'user', responses: { 200: BucketList } },
  async ({ user }) => ({ status: 200, body: await listBuckets(user.userId) }));

bucketsRoutes.post('/', { summary: 'Create a bucket (names as S3 allows them, shared by everyone on the server)', access: 'user', body: CreateBucketBody, responses: { 201: BucketResponse }, audit: 'bucket.create' },
  async ({ body, user, req }) => {
    const bucket = await createBucket(user.userId, body.name);
    Object.assign(req.audit, { targetType: 'bucket', targetId: bucket.id, details: { name: bucket.name } });
    return { status: 201, body: { bucket } };
  });

bucketsRoutes.delete('/:bucket', { summary: 'Delete an empty bucket', access: 'user', params: BucketParams, responses: { 204: undefined }, audit: 'bucket.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'bucket', details: { name: params.bucket } });
    await deleteBucket(user.userId, params.bucket);
    return { status: 204 };
  });

bucketsRoutes.get('/:bucket/objects', { summary: 'Objects and folders under a prefix', access: 'user', params: BucketParams, query: ListObjectsQuery, responses: { 200: ObjectListing } },
  async ({ params, query, user }) => ({ status: 200, body: await listObjects(user.userId, params.bucket, query) }));

bucketsRoutes.get('/:bucket/download', { summary: 'A presigned URL to download an object straight from S3', access: 'user', params: BucketParams, query: KeyQuery, responses: { 200: DownloadUrl } },
  async ({ params, query, user }) => ({ status: 200, body: await downloadUrl(user.userId, params.bucket, query.key) }));

bucketsRoutes.post('/:bucket/objects/delete', { summary: 'Delete objects, and folders with everything in them', access: 'user', params: BucketParams, body: DeleteObjectsBody, responses: { 200: DeletedObjects }, audit: 'object.delete' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'bucket', details: { bucket: params.bucket, keys: body.keys.slice(0, 20) } });
    return { status: 200, body: await deleteObjects(user.userId, params.bucket, body.keys) };
  });

bucketsRoutes.post('/:bucket/objects/rename', { summary: 'Rename (move) an object or a folder', access: 'user', params: BucketParams, body: RenameObjectBody, responses: { 200: RenamedObjects }, audit: 'object.rename' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'bucket', details: { bucket: params.bucket, from: body.from, to: body.to } });
    return { status: 200, body: await renameObject(user.userId, params.bucket, body) };
  });

bucketsRoutes.post('/:bucket/folders', { summary: 'Create a folder (an empty marker object ending in "/")', access: 'user', params: BucketParams, body: CreateFolderBody, responses: { 201: undefined }, audit: 'object.folder' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'bucket', details: { bucket: params.bucket, key: body.key } });
    await createFolder(user.userId, params.bucket, body.key);
    return { status: 201 };
  });

bucketsRoutes.post('/:bucket/uploads', { summary: 'Start an upload: quota reserved, then a presigned PUT or a multipart upload', access: 'user', params: BucketParams, body: BeginUploadBody, responses: { 201: BeganUpload }, audit: 'object.upload' },
  async ({ params, body, user, req }) => {
    const began = await beginUpload(user.userId, params.bucket, body);
    Object.assign(req.audit, { targetType: 'upload', targetId: began.upload.id, details: { bucket: params.bucket, key: body.key, size: body.size } });
    return { status: 201, body: began };
  });

bucketsRoutes.get('/:bucket/uploads/:id', { summary: 'An upload and the parts the S3 server already holds (to resume)', access: 'user', params: UploadParams, responses: { 200: UploadStatus } },
  async ({ params, user }) => ({ status: 200, body: await uploadStatus(user.userId, params.bucket, params.id) }));

bucketsRoutes.get('/:bucket/uploads/:id/parts', { summary: 'Presigned PUTs for parts of a multipart upload', access: 'user', params: UploadParams, query: PartsQuery, responses: { 200: PresignedParts } },
  async ({ params, query, user }) => ({ status: 200, body: await presignParts(user.userId, params.bucket, params.id, query.numbers) }));

bucketsRoutes.post('/:bucket/uploads/:id/complete', { summary: 'Finish an upload: every part checked, the object booked', access: 'user', params: UploadParams, responses: { 200: CompletedUpload }, audit: 'object.upload.complete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'upload', targetId: params.id });
    return { status: 200, body: await completeUpload(user.userId, params.bucket, params.id) };
  });

bucketsRoutes.delete('/:bucket/uploads/:id', { summary: 'Abandon an upload and free its reservation', access: 'user', params: UploadParams, responses: { 204: undefined }, audit: 'object.upload.abort' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'upload', targetId: params.id });
    await abortUpload(user.userId, params.bucket, params.id);
    return { status: 204 };
  });

export const storageQuotaRoutes = moduleRouter('/api/storage', 'storage');

storageQuotaRoutes.get('/quota', { summary: 'My object storage quota and usage', access: 'user', responses: { 200: ObjectQuotaResponse } },
  async ({ user }) => ({ status: 200, body: { quota: await objectQuotaView(user.userId) } }));

export const adminStorageRoutes = moduleRouter('/api/admin/users', 'admin');

adminStorageRoutes.get('/:id/object-quota', { summary: "A user's object storage quota and usage", access: 'admin', params: UserIdParams, responses: { 200: ObjectQuotaResponse } },
  async ({ params }) => ({ status: 200, body: { quota: await objectQuotaView(await existingUser(params.id)) } }));

adminStorageRoutes.put('/:id/object-quota', { summary: "Set a user's object storage limits (GiB, objects, buckets)", access: 'admin', params: UserIdParams, body: UpdateObjectQuotaBody, responses: { 200: ObjectQuotaResponse }, audit: 'admin.user.object-quota' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: body });
    return { status: 200, body: { quota: await setObjectQuota(await existingUser(params.id), body) } };
  });

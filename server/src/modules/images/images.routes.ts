import { moduleRouter } from '../../platform/http/route.js';
import { PartsQuery, PresignedParts, UploadStatus } from '../oss/oss.schemas.js';
import { OperationResponse } from '../vms/vms.schemas.js';
import { BeganImage, CompletedImageUpload, CreateImageBody, ImageIdParams, ImageList, ImageResponse, ImageUploadParams } from './images.schemas.js';
import {
  abortImageUpload, completeImageUpload, createImage, deleteImage, getImage, imageUploadParts, imageUploadStatus, listImages, reimport,
} from './images.service.js';

export const imagesRoutes = moduleRouter('/api/images', 'images');

imagesRoutes.get('/', { summary: 'Imported images I can use: public ones and my own', access: 'user', responses: { 200: ImageList } },
  async ({ user }) => ({ status: 200, body: await listImages(user) }));

imagesRoutes.get('/:id', { summary: 'One image, with the hosts that have it', access: 'user', params: ImageIdParams, responses: { 200: ImageResponse } },
  async ({ params, user }) => ({ status: 200, body: await getImage(user, params.id) }));

imagesRoutes.post('/', { summary: 'Start an image: a template row and a presigned upload into the images bucket', access: 'user', body: CreateImageBody, responses: { 201: BeganImage }, audit: 'image.create' },
  async ({ body, user, req }) => {
    const created = await createImage(user, body);
    Object.assign(req.audit, { targetType: 'template', targetId: created.image.id, details: { name: body.name, size: body.size, public: created.image.public } });
    return { status: 201, body: created };
  });

imagesRoutes.get('/:id/uploads/:uploadId', { summary: "The image upload and the parts S3 holds", access: 'user', params: ImageUploadParams, responses: { 200: UploadStatus } },
  async ({ params, user }) => ({ status: 200, body: await imageUploadStatus(user, params.id, params.uploadId) }));

imagesRoutes.get('/:id/uploads/:uploadId/parts', { summary: 'Presigned PUTs for parts of the image', access: 'user', params: ImageUploadParams, query: PartsQuery, responses: { 200: PresignedParts } },
  async ({ params, query, user }) => ({ status: 200, body: await imageUploadParts(user, params.id, params.uploadId, query.numbers) }));

imagesRoutes.post('/:id/uploads/:uploadId/complete', { summary: 'Finish the upload and start the import to the hosts', access: 'user', params: ImageUploadParams, responses: { 200: CompletedImageUpload }, audit: 'image.upload.complete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    return { status: 200, body: await completeImageUpload(user, params.id, params.uploadId) };
  });

imagesRoutes.delete('/:id/uploads/:uploadId', { summary: 'Abandon an image upload (the image is dropped)', access: 'user', params: ImageUploadParams, responses: { 204: undefined }, audit: 'image.upload.abort' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    await abortImageUpload(user, params.id, params.uploadId);
    return { status: 204 };
  });

imagesRoutes.post('/:id/import', { summary: 'Copy the image again to the hosts that lack it', access: 'user', params: ImageIdParams, responses: { 202: OperationResponse }, audit: 'image.import' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    return { status: 202, body: await reimport(user, params.id) };
  });

imagesRoutes.delete('/:id', { summary: 'Delete an image no VM uses: from the hosts, the bucket and the list', access: 'user', params: ImageIdParams, responses: { 202: OperationResponse }, audit: 'image.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'template', targetId: params.id });
    return { status: 202, body: await deleteImage(user, params.id) };
  });

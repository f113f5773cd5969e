import { config } from '../../config.js';
import { moduleRouter } from '../../platform/http/route.js';
import { AccessKeyIdParams, AccessKeyList, CreateAccessKeyBody, CreatedAccessKey } from './oss.schemas.js';
import { createAccessKey, listAccessKeys, revokeAccessKey } from './access-keys.service.js';

export const accessKeysRoutes = moduleRouter('/api/me/s3-keys', 'storage');

/** Where users point their S3 tools: the gateway's public URL. */
export const gatewayEndpoint = () => config.OSS_GATEWAY_PUBLIC_URL ?? (config.OSS_GATEWAY_PORT ? `http://127.0.0.1:${config.OSS_GATEWAY_PORT}` : null);

accessKeysRoutes.get('/', { summary: 'My S3 access keys (for aws, rclone, s3cmd; my buckets only)', access: 'user', responses: { 200: AccessKeyList } },
  async ({ user }) => ({ status: 200, body: { ...(await listAccessKeys(user.userId)), endpoint: gatewayEndpoint(), region: config.S3_REGION } }));

accessKeysRoutes.post('/', { summary: 'Create an S3 access key (the secret is shown once)', access: 'user', body: CreateAccessKeyBody, responses: { 201: CreatedAccessKey }, audit: 's3key.create' },
  async ({ body, user, req }) => {
    const created = await createAccessKey(user.userId, body.name);
    Object.assign(req.audit, { targetType: 's3key', targetId: created.key.id, details: { name: body.name, accessKeyId: created.key.accessKeyId } });
    return { status: 201, body: { ...created, endpoint: gatewayEndpoint(), region: config.S3_REGION } };
  });

accessKeysRoutes.delete('/:id', { summary: 'Revoke an S3 access key (refused from the next request on)', access: 'user', params: AccessKeyIdParams, responses: { 204: undefined }, audit: 's3key.revoke' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 's3key', targetId: params.id });
    await revokeAccessKey(user.userId, params.id);
    return { status: 204 };
  });

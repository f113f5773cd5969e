import { moduleRouter } from '../../platform/http/route.js';
import { CreateKeyBody, KeyIdParams, SshKeyList, SshKeyResponse } from './keypairs.schemas.js';
import { addKey, deleteKey, listKeys } from './keypairs.service.js';

export const keypairsRoutes = moduleRouter('/api/me/keys', 'keypairs');

keypairsRoutes.get('/', { summary: 'My saved SSH public keys (key pairs)', access: 'user', responses: { 200: SshKeyList } },
  async ({ user }) => ({ status: 200, body: await listKeys(user.userId) }));

keypairsRoutes.post('/', { summary: 'Save an SSH public key (OpenSSH: ed25519, ecdsa, rsa of 2048 bits or more)', access: 'user', body: CreateKeyBody, responses: { 201: SshKeyResponse }, audit: 'keypair.create' },
  async ({ body, user, req }) => {
    const key = await addKey(user.userId, body);
    Object.assign(req.audit, { targetType: 'keypair', targetId: key.id, details: { name: key.name, fingerprint: key.fingerprint } });
    return { status: 201, body: { key } };
  });

keypairsRoutes.delete('/:id', { summary: 'Delete a saved key (VMs made with it keep it)', access: 'user', params: KeyIdParams, responses: { 204: undefined }, audit: 'keypair.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'keypair', targetId: params.id });
    await deleteKey(user.userId, params.id);
    return { status: 204 };
  });

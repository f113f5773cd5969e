import { moduleRouter } from '../../platform/http/route.js';
import {
  AdminTunnelList, AdminTunnelQuery, CreateTunnelBody, TunnelDto, TunnelIdParams, TunnelKeyBody, TunnelKeyDto, TunnelKeyList, TunnelList,
  TunnelQuota, TunnelQuotaBody, UserIdParams,
} from './tunnels.schemas.js';
import { adminCloseTunnel, closeOwnTunnel, createTunnel, getTunnel, listAllTunnels, listTunnels, setTunnelQuota, tunnelDto, tunnelQuota } from './tunnels.service.js';
import { addTunnelKey, gatewayInfo, listTunnelKeys, removeTunnelKey } from './tunnel-keys.service.js';
import { TunnelIdParams as KeyIdParams } from './tunnels.schemas.js';
import { frpcToml } from './frp-plugin.js';
import { forwardHosts } from './tunnel-forwards.js';

export const tunnelsRoutes = moduleRouter('/api/tunnels', 'tunnels');

tunnelsRoutes.get('/', { summary: 'My tunnels, with live traffic, my quota, my port block and the gateway', access: 'user', responses: { 200: TunnelList } },
  async ({ user }) => ({ status: 200, body: await listTunnels(user.userId) }));

tunnelsRoutes.get('/frpc.toml', { summary: 'A ready frpc configuration for this site\'s frps (server address, my token, my proxies)', access: 'user', produces: 'application/toml', responses: { 200: undefined } },
  async ({ user, res }) => {
    res.type('application/toml').setHeader('Content-Disposition', 'attachment; filename="frpc.toml"');
    res.send(await frpcToml(user.userId));
    return { status: 200 };
  });

tunnelsRoutes.post('/', { summary: 'Reserve a port or an HTTP name for ssh -R, or forward a public port to a VM', access: 'user', body: CreateTunnelBody, responses: { 201: TunnelDto }, audit: 'tunnel.create' },
  async ({ body, user, req }) => {
    const row = await createTunnel(user.userId, body);
    Object.assign(req.audit, { targetType: 'tunnel', targetId: row.id, details: { kind: row.kind, port: row.port, name: row.name, vmId: row.vmId, containerId: row.containerId } });
    return { status: 201, body: tunnelDto(row, false, (await forwardHosts([row])).get(row.ownerId)) };
  });

tunnelsRoutes.get('/:id', { summary: 'One of my tunnels', access: 'user', params: TunnelIdParams, responses: { 200: TunnelDto } },
  async ({ params, user }) => ({ status: 200, body: await getTunnel(user.userId, params.id) }));

tunnelsRoutes.delete('/:id', { summary: 'Close one of my tunnels now (drops its client)', access: 'user', params: TunnelIdParams, responses: { 204: undefined }, audit: 'tunnel.close' },
  async ({ params, user, req }) => {
    const row = await closeOwnTunnel(user.userId, params.id);
    Object.assign(req.audit, { targetType: 'tunnel', targetId: row.id, details: { kind: row.kind, port: row.port, name: row.name } });
    return { status: 204 };
  });

export const tunnelKeysRoutes = moduleRouter('/api/me/tunnel-keys', 'tunnels');

tunnelKeysRoutes.get('/', { summary: 'My SSH keys for the tunnel gateway, and the gateway\'s address and host key fingerprint', access: 'user', responses: { 200: TunnelKeyList } },
  async ({ user }) => ({ status: 200, body: { items: await listTunnelKeys(user.userId), gateway: await gatewayInfo() } }));

tunnelKeysRoutes.post('/', { summary: 'Add an SSH public key for ssh -R at the tunnel gateway', access: 'user', body: TunnelKeyBody, responses: { 201: TunnelKeyDto }, audit: 'tunnelkey.create' },
  async ({ body, user, req }) => {
    const key = await addTunnelKey(user.userId, body.name, body.publicKey);
    Object.assign(req.audit, { targetType: 'tunnelkey', targetId: key.id, details: { name: key.name, fingerprint: key.fingerprint } });
    return { status: 201, body: key };
  });

tunnelKeysRoutes.delete('/:id', { summary: 'Remove a tunnel key (refused at the next connection)', access: 'user', params: KeyIdParams, responses: { 204: undefined }, audit: 'tunnelkey.remove' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'tunnelkey', targetId: params.id });
    await removeTunnelKey(user.userId, params.id);
    return { status: 204 };
  });

export const adminTunnelsRoutes = moduleRouter('/api/admin/tunnels', 'tunnels');

adminTunnelsRoutes.get('/', { summary: 'Every tunnel with its owner and live traffic (search by name or owner email)', access: 'admin', query: AdminTunnelQuery, responses: { 200: AdminTunnelList } },
  async ({ query }) => ({ status: 200, body: await listAllTunnels(query.q) }));

adminTunnelsRoutes.delete('/:id', { summary: 'Close any tunnel now: its client is dropped at once', access: 'admin', params: TunnelIdParams, responses: { 204: undefined }, audit: 'tunnel.admin-close' },
  async ({ params, req }) => {
    const row = await adminCloseTunnel(params.id);
    Object.assign(req.audit, { targetType: 'tunnel', targetId: row.id, details: { ownerId: row.ownerId, kind: row.kind, port: row.port, name: row.name } });
    return { status: 204 };
  });

adminTunnelsRoutes.get('/quota/:userId', { summary: "A user's tunnel limit and how many they hold", access: 'admin', params: UserIdParams, responses: { 200: TunnelQuota } },
  async ({ params }) => ({ status: 200, body: await tunnelQuota(params.userId) }));

adminTunnelsRoutes.put('/quota/:userId', { summary: "Set a user's tunnel limit (lower than held: nothing new until some close)", access: 'admin', params: UserIdParams, body: TunnelQuotaBody, responses: { 200: TunnelQuota }, audit: 'tunnel.quota' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.userId, details: body });
    return { status: 200, body: await setTunnelQuota(params.userId, body.maxTunnels) };
  });

import { moduleRouter } from '../../platform/http/route.js';
import { HostIdParams, HostList, HostResponse, RegisterHostBody, SshKeyResponse, UpdateHostBody } from './hosts.schemas.js';
import { approveHostKey, deleteHost, getHost, listHosts, platformSshKey, probeHostNow, registerHost, updateHost } from './hosts.service.js';

export const hostsRoutes = moduleRouter('/api/admin/hosts', 'hosts');

hostsRoutes.get('/', { summary: 'All hypervisor hosts with status and capacity', access: 'admin', responses: { 200: HostList } },
  async () => ({ status: 200, body: await listHosts() }));

hostsRoutes.post('/', { summary: 'Register a host and probe it (pins its SSH host key)', access: 'admin', body: RegisterHostBody, responses: { 201: HostResponse }, audit: 'admin.host.register' },
  async ({ body, req }) => {
    const host = await registerHost(body);
    Object.assign(req.audit, { targetType: 'host', targetId: host.id, details: { name: host.name, address: host.address, status: host.status } });
    return { status: 201, body: { host } };
  });

hostsRoutes.get('/:id', { summary: 'One host with its probe results', access: 'admin', params: HostIdParams, responses: { 200: HostResponse } },
  async ({ params }) => ({ status: 200, body: { host: await getHost(params.id) } }));

hostsRoutes.post('/:id/probe', { summary: 'Probe a host now', access: 'admin', params: HostIdParams, responses: { 200: HostResponse }, audit: 'admin.host.probe' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'host', targetId: params.id });
    return { status: 200, body: { host: await probeHostNow(params.id) } };
  });

hostsRoutes.patch('/:id', { summary: 'Maintenance mode (no new placements) or zone', access: 'admin', params: HostIdParams, body: UpdateHostBody, responses: { 200: HostResponse }, audit: 'admin.host.update' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'host', targetId: params.id, details: body });
    return { status: 200, body: { host: await updateHost(params.id, body) } };
  });

hostsRoutes.post('/:id/approve-host-key', { summary: 'Accept the new SSH host key a host presented', access: 'admin', params: HostIdParams, responses: { 200: HostResponse }, audit: 'admin.host.approve-key' },
  async ({ params, req }) => {
    const host = await approveHostKey(params.id);
    Object.assign(req.audit, { targetType: 'host', targetId: params.id, details: { hostKeySha256: host.hostKeySha256 } });
    return { status: 200, body: { host } };
  });

hostsRoutes.delete('/:id', { summary: 'Remove a host (refused while it has resources)', access: 'admin', params: HostIdParams, responses: { 204: undefined }, audit: 'admin.host.delete' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'host', targetId: params.id });
    await deleteHost(params.id);
    return { status: 204 };
  });

export const sshKeyRoutes = moduleRouter('/api/admin/ssh-key', 'hosts');

sshKeyRoutes.get('/', { summary: "The platform's SSH public key and the command that installs it on a host", access: 'admin', responses: { 200: SshKeyResponse } },
  async () => ({ status: 200, body: await platformSshKey() }));

import { moduleRouter } from '../../platform/http/route.js';
import { AttachNicBody, NicParams, VmNicList, AdminNetworkList, CreateNetworkBody, CreateRuleBody, NetworkAccepted, NetworkIdParams, NetworkList, NetworkResponse, RuleAdded, RuleParams, RuleRemoved, UpdateNetworkBody } from './networks.schemas.js';
import { nicsOfVm, addRule, createNetwork, deleteNetwork, deleteRule, getNetwork, listAllNetworks, listNetworks, renameNetwork } from './networks.service.js';
import { attachNic, detachNic } from '../vms/vm-nics.js';
import { VmAccepted, VmIdParams } from '../vms/vms.schemas.js';
import { hostActionLimit } from '../../platform/rate-limit.js';

export const networksRoutes = moduleRouter('/api/networks', 'networks');

networksRoutes.get('/', { summary: 'My private networks and my network quota', access: 'user', responses: { 200: NetworkList } },
  async ({ user }) => ({ status: 200, body: await listNetworks(user.userId) }));

networksRoutes.post('/', { summary: 'Create a private network (202: follow the operation); the CIDR is optional', access: 'user', body: CreateNetworkBody, responses: { 202: NetworkAccepted }, audit: 'network.create' },
  async ({ body, user, req }) => {
    const r = await createNetwork(user.userId, body);
    Object.assign(req.audit, { targetType: 'network', targetId: r.network.id, details: { name: body.name, cidr: r.network.cidr, operationId: r.operation.id } });
    return { status: 202, body: r };
  });

networksRoutes.get('/:id', { summary: 'One of my networks with its ports (VM, MAC, IP) and inbound rules', access: 'user', params: NetworkIdParams, responses: { 200: NetworkResponse } },
  async ({ params, user }) => ({ status: 200, body: { network: await getNetwork(user.userId, params.id) } }));

networksRoutes.patch('/:id', { summary: 'Rename a network', access: 'user', params: NetworkIdParams, body: UpdateNetworkBody, responses: { 200: NetworkResponse }, audit: 'network.update' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'network', targetId: params.id, details: body });
    return { status: 200, body: { network: await renameNetwork(user.userId, params.id, body.name) } };
  });

networksRoutes.delete('/:id', { summary: 'Delete a network (refused while a VM is attached)', access: 'user', params: NetworkIdParams, responses: { 202: NetworkAccepted }, audit: 'network.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'network', targetId: params.id });
    return { status: 202, body: await deleteNetwork(user.userId, params.id) };
  });

networksRoutes.post('/:id/rules', { summary: 'Allow inbound traffic (protocol, port range, source CIDR) to every VM of the network', access: 'user', params: NetworkIdParams, body: CreateRuleBody, responses: { 201: RuleAdded }, audit: 'network.rule.add' },
  async ({ params, body, user, req }) => {
    const r = await addRule(user.userId, params.id, body);
    Object.assign(req.audit, { targetType: 'network', targetId: params.id, details: { ...body, ruleId: r.rule.id } });
    return { status: 201, body: r };
  });

networksRoutes.delete('/:id/rules/:ruleId', { summary: 'Remove an inbound rule', access: 'user', params: RuleParams, responses: { 200: RuleRemoved }, audit: 'network.rule.delete' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'network', targetId: params.id, details: { ruleId: params.ruleId } });
    return { status: 200, body: await deleteRule(user.userId, params.id, params.ruleId) };
  });

export const adminNetworksRoutes = moduleRouter('/api/admin/networks', 'networks');

adminNetworksRoutes.get('/', { summary: 'Every network with owner, ports and host placement; the external network settings', access: 'admin', responses: { 200: AdminNetworkList } },
  async () => ({ status: 200, body: await listAllNetworks() }));

export const vmNicsRoutes = moduleRouter('/api/vms', 'networks');

vmNicsRoutes.get('/:id/nics', { summary: "The VM's NICs: network, MAC, IP, gateway, what the guest reports, how to reach it", access: 'user', params: NetworkIdParams, responses: { 200: VmNicList } },
  async ({ params, user }) => ({ status: 200, body: await nicsOfVm(user.userId, params.id) }));

vmNicsRoutes.post('/:id/nics', { summary: 'Put a shut-off VM on one more of my networks (202: follow the operation; the next start has the NIC)', access: 'user', before: [hostActionLimit], params: VmIdParams, body: AttachNicBody, responses: { 202: VmAccepted }, audit: 'vm.nic.attach' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: body });
    return { status: 202, body: await attachNic(user.userId, params.id, body.networkId) };
  });

vmNicsRoutes.delete('/:id/nics/:nicId', { summary: 'Take a shut-off VM off a network (not its last one); the address is freed', access: 'user', before: [hostActionLimit], params: NicParams, responses: { 202: VmAccepted }, audit: 'vm.nic.detach' },
  async ({ params, user, req }) => {
    Object.assign(req.audit, { targetType: 'vm', targetId: params.id, details: { nicId: params.nicId } });
    return { status: 202, body: await detachNic(user.userId, params.id, params.nicId) };
  });

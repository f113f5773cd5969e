import { api, type RequestOptions } from './client';
import type { AdminNetworkList, CreateNetworkBody, CreateRuleBody, NetworkAccepted, NetworkDetail, NetworkList, NetworkResponse, RuleAdded, RuleRemoved, VmNicList } from './contract';

// Private networks (OVN): the user's networks, their ports and inbound rules, a VM's NICs.

export type { AdminNetwork, AdminNetworkList, Network, NetworkAccepted, NetworkDetail, NetworkList, NetworkPort, NetworkRule, VmNic } from './contract';
export type RuleProtocol = CreateRuleBody['protocol'];
export type NetworkState = NetworkList['items'][number]['state'];

const url = (id: string) => `/api/networks/${encodeURIComponent(id)}`;

export const listNetworks = () => api.get<NetworkList>('/api/networks');
export async function getNetwork(id: string): Promise<NetworkDetail> {
  return (await api.get<NetworkResponse>(url(id))).network;
}
/** 202: the network is "creating" while its operation writes OVN. 409 QUOTA_EXCEEDED / CONFLICT, 400 for a bad CIDR. */
export const createNetwork = (body: CreateNetworkBody, options?: RequestOptions) => api.post<NetworkAccepted>('/api/networks', body, options);
export async function renameNetwork(id: string, name: string, options?: RequestOptions): Promise<NetworkDetail> {
  return (await api.patch<NetworkResponse>(url(id), { name }, options)).network;
}
/** 409 while a VM is attached (the message names them). */
export const deleteNetwork = (id: string, options?: RequestOptions) => api.deleteWithBody<NetworkAccepted>(url(id), options);
export const addRule = (id: string, body: CreateRuleBody, options?: RequestOptions) => api.post<RuleAdded>(`${url(id)}/rules`, body, options);
export const deleteRule = (id: string, ruleId: string, options?: RequestOptions) => api.deleteWithBody<RuleRemoved>(`${url(id)}/rules/${encodeURIComponent(ruleId)}`, options);
export const vmNics = (vmId: string) => api.get<VmNicList>(`/api/vms/${encodeURIComponent(vmId)}/nics`);
export const adminNetworks = () => api.get<AdminNetworkList>('/api/admin/networks');

import { api, type RequestOptions } from './client';

// Private networks (OVN): the user's networks, their ports and inbound rules, a VM's NICs.

export type NetworkState = 'creating' | 'ready' | 'deleting' | 'error';
export interface Network {
  id: string; name: string; cidr: string; gateway: string; isDefault: boolean; state: NetworkState;
  lastError: string | null; currentOperationId: string | null; createdAt: string; portCount: number;
}
/** A VM's NIC or a container's (the other pair is null). */
export interface NetworkPort { nicId: string; vmId: string | null; vmName: string | null; containerId: string | null; containerName: string | null; mac: string; ip: string; hostName: string | null }
export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | 'any';
export interface NetworkRule { id: string; protocol: RuleProtocol; portFrom: number | null; portTo: number | null; sourceCidr: string; createdAt: string }
export interface NetworkDetail extends Network { ports: NetworkPort[]; rules: NetworkRule[]; externalIp: string | null }
export interface NetworkList { items: Network[]; quota: { max: number; used: number } }
export interface NetworkAccepted { network: Network; operation: { id: string; kind: string; state: string } }
export interface NewRule { protocol: RuleProtocol; portFrom?: number; portTo?: number; sourceCidr: string }
export interface VmNic {
  id: string; networkId: string; networkName: string; cidr: string; gateway: string; mac: string; ip: string;
  guestIps: string[] | null; reach: string;
}
export interface AdminNetwork extends Network { ownerId: string; ownerEmail: string; ports: NetworkPort[] }
export interface AdminNetworkList {
  items: AdminNetwork[];
  external: { cidr: string; gateway: string; gatewayChassis: string; physnet: string; centralHost: string | null };
}

const url = (id: string) => `/api/networks/${encodeURIComponent(id)}`;

export const listNetworks = () => api.get<NetworkList>('/api/networks');
export async function getNetwork(id: string): Promise<NetworkDetail> {
  return (await api.get<{ network: NetworkDetail }>(url(id))).network;
}
/** 202: the network is "creating" while its operation writes OVN. 409 QUOTA_EXCEEDED / CONFLICT, 400 for a bad CIDR. */
export const createNetwork = (body: { name: string; cidr?: string }, options?: RequestOptions) => api.post<NetworkAccepted>('/api/networks', body, options);
export async function renameNetwork(id: string, name: string, options?: RequestOptions): Promise<NetworkDetail> {
  return (await api.patch<{ network: NetworkDetail }>(url(id), { name }, options)).network;
}
/** 409 while a VM is attached (the message names them). */
export const deleteNetwork = (id: string, options?: RequestOptions) => api.deleteWithBody<NetworkAccepted>(url(id), options);
export const addRule = (id: string, body: NewRule, options?: RequestOptions) => api.post<{ rule: NetworkRule; operationId: string }>(`${url(id)}/rules`, body, options);
export const deleteRule = (id: string, ruleId: string, options?: RequestOptions) => api.deleteWithBody<{ operationId: string }>(`${url(id)}/rules/${encodeURIComponent(ruleId)}`, options);
export const vmNics = (vmId: string) => api.get<{ items: VmNic[]; externalIp: string | null }>(`/api/vms/${encodeURIComponent(vmId)}/nics`);
export const adminNetworks = () => api.get<AdminNetworkList>('/api/admin/networks');

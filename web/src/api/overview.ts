import { api, type RequestOptions } from './client';
import type { AdminOverview, HostInstances, ReconcileResult, ResourceTree } from './contract';

// The admin's platform overview, what runs on a host, the zone -> host -> instance tree, and
// what "reconcile now" found: types from the server's schemas (./contract.ts).

export type { AdminOverview, FailedOperation, HostInstances, HostLoadSummary, ReconcileResult, ResourceTree } from './contract';
export type HostInstance = HostInstances['items'][number];

export function getAdminOverview(): Promise<AdminOverview> {
  return api.get<AdminOverview>('/api/admin/overview');
}

export function getHostInstances(hostId: string): Promise<HostInstances> {
  return api.get<HostInstances>(`/api/admin/hosts/${encodeURIComponent(hostId)}/instances`);
}

export function getResourceTree(): Promise<ResourceTree> {
  return api.get<ResourceTree>('/api/admin/resource-tree');
}

export function reconcileHosts(options?: RequestOptions): Promise<ReconcileResult> {
  return api.post<ReconcileResult>('/api/admin/reconcile', undefined, options);
}

import { api, type RequestOptions } from './client';
import type * as overview from '../../../server/src/modules/overview/overview.schemas';
import type * as findings from '../../../server/src/modules/vms/findings.schemas';

// The admin's platform overview, what runs on a host, the zone -> host -> instance tree, and
// what "reconcile now" found: types from the server's schemas (see contract.ts).

type Infer<S> = S extends { _output: infer O } ? O : never;

export type AdminOverview = Infer<typeof overview.AdminOverview>;
export type HostLoadSummary = Infer<typeof overview.HostLoadSummary>;
export type FailedOperation = Infer<typeof overview.FailedOperation>;
export type HostInstances = Infer<typeof overview.HostInstances>;
export type HostInstance = HostInstances['items'][number];
export type ResourceTree = Infer<typeof overview.ResourceTree>;
export type ReconcileResult = Infer<typeof findings.ReconcileResult>;

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

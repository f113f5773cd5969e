import { api, type RequestOptions } from './client';
import type {
  ActivityPage, ActivityQuery, AttachNicBody, CreateSnapshotBody, CreateVmBody, DeleteVmQuery, Operation, OperationList, OperationResponse, QuotaSummary, ResizeVmBody, Vm,
  VmAccepted as VmOperationResult, VmActionBody, VmList, VmPowerAction, VmResponse, VmSnapshot, VmSnapshotList,
} from './contract';

const vmUrl = (id: string) => `/api/vms/${encodeURIComponent(id)}`;

/** Limits, usage, headroom, prices and the credit balance: what the create wizard sizes against. */
export function getQuota(): Promise<QuotaSummary> {
  return api.get<QuotaSummary>('/api/quota');
}

export async function listVms(): Promise<Vm[]> {
  const { items } = await api.get<VmList>('/api/vms');
  return items;
}

export async function getVm(id: string): Promise<Vm> {
  const { vm } = await api.get<VmResponse>(vmUrl(id));
  return vm;
}

/**
 * Accepted (202): the VM exists in "creating" and the operation carries on in the background.
 * 409 QUOTA_EXCEEDED / INSUFFICIENT_CREDITS / CONFLICT (name taken), 503 NO_CAPACITY.
 */
export function createVm(body: CreateVmBody, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>('/api/vms', body, options);
}

/** 409 VM_BUSY (details.operationId) while another operation runs on the VM. */
export function vmAction(id: string, action: VmPowerAction, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${vmUrl(id)}/actions`, { action } satisfies VmActionBody, options);
}

/** Accepted (202): the VM goes to "deleting"; unlike other DELETEs this one answers with a body. */
export function deleteVm(id: string, options?: RequestOptions, volumes: NonNullable<DeleteVmQuery['volumes']> = 'keep'): Promise<VmOperationResult> {
  return api.deleteWithBody<VmOperationResult>(`${vmUrl(id)}?volumes=${volumes}`, options);
}

/** Accepted (202) for a stopped VM. 409 QUOTA_EXCEEDED, 400 VALIDATION_FAILED (e.g. a smaller disk), 409 VM_BUSY. */
export function resizeVm(id: string, body: ResizeVmBody, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${vmUrl(id)}/resize`, body, options);
}

/** Accepted (202) for a stopped VM: the next start has a NIC on that network. 409 while it runs, already on it, or at 4 NICs; 404 for a network not mine. */
export function attachNic(id: string, networkId: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${vmUrl(id)}/nics`, { networkId } satisfies AttachNicBody, options);
}

/** Accepted (202) for a stopped VM; 409 for its last NIC (a VM stays on at least one network). */
export function detachNic(id: string, nicId: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.deleteWithBody<VmOperationResult>(`${vmUrl(id)}/nics/${encodeURIComponent(nicId)}`, options);
}

/** Oldest first; read from the VM's host (503 SERVICE_UNAVAILABLE when it does not answer). */
export async function listSnapshots(id: string): Promise<VmSnapshot[]> {
  const { items } = await api.get<VmSnapshotList>(`${vmUrl(id)}/snapshots`);
  return items;
}

const snapshotUrl = (id: string, name: string) => `${vmUrl(id)}/snapshots/${encodeURIComponent(name)}`;

/** Accepted (202) when the VM is running or stopped and free. */
export function createSnapshot(id: string, name: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${vmUrl(id)}/snapshots`, { name } satisfies CreateSnapshotBody, options);
}

/** Accepted (202): the VM returns to the snapshot; changes made since are lost. */
export function revertSnapshot(id: string, name: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${snapshotUrl(id, name)}/revert`, undefined, options);
}

/** Accepted (202); answers with a body like the VM delete. */
export function deleteSnapshot(id: string, name: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.deleteWithBody<VmOperationResult>(snapshotUrl(id, name), options);
}

export async function getOperation(id: string): Promise<Operation> {
  const { operation } = await api.get<OperationResponse>(`/api/operations/${encodeURIComponent(id)}`);
  return operation;
}

/** The VM's operations (its task log), newest first, 50 at most, with who or what started each. */
export async function listVmOperations(id: string): Promise<Operation[]> {
  const { items } = await api.get<OperationList>(`${vmUrl(id)}/operations`);
  return items;
}

/** My activity: operations on all my resources, newest first. */
export function listActivity(page: number, pageSize = 20): Promise<ActivityPage> {
  return api.get<ActivityPage>('/api/operations', { page, pageSize } satisfies ActivityQuery);
}

import { api, type RequestOptions } from './client';
import type { CreateHostBody, Host, HostList, HostPatch, HostResponse, PlatformSshKey } from './contract';

const hostUrl = (id: string) => `/api/admin/hosts/${encodeURIComponent(id)}`;

export function getPlatformSshKey(): Promise<PlatformSshKey> {
  return api.get<PlatformSshKey>('/api/admin/ssh-key');
}

export async function listHosts(): Promise<Host[]> {
  const { items } = await api.get<HostList>('/api/admin/hosts');
  return items;
}

export async function getHost(id: string): Promise<Host> {
  const { host } = await api.get<HostResponse>(hostUrl(id));
  return host;
}

/** Registers a host; the server probes it during the call (up to ~15 s). */
export async function createHost(body: CreateHostBody, options?: RequestOptions): Promise<Host> {
  const { host } = await api.post<HostResponse>('/api/admin/hosts', body, options);
  return host;
}

export async function probeHost(id: string, options?: RequestOptions): Promise<Host> {
  const { host } = await api.post<HostResponse>(`${hostUrl(id)}/probe`, {}, options);
  return host;
}

export async function updateHost(id: string, patch: HostPatch, options?: RequestOptions): Promise<Host> {
  const { host } = await api.patch<HostResponse>(hostUrl(id), patch, options);
  return host;
}

/** Accepts the SSH host key the host now presents (replacing the pinned one); the server re-probes. */
export async function approveHostKey(id: string, options?: RequestOptions): Promise<Host> {
  const { host } = await api.post<HostResponse>(`${hostUrl(id)}/approve-host-key`, {}, options);
  return host;
}

/** 409 CONFLICT while the host still has resources (details.resources). */
export function deleteHost(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(hostUrl(id), options);
}

import { api, type RequestOptions } from './client';
import type { Operation } from './types';
import type { ConsoleTicket } from './console';

export type ContainerState = 'creating' | 'starting' | 'running' | 'stopping' | 'stopped' | 'restarting' | 'deleting' | 'error' | 'deleted';
export type ContainerAction = 'start' | 'stop' | 'restart';

export interface Container {
  id: string;
  name: string;
  state: ContainerState;
  templateId: string | null;
  templateName: string;
  image: string;
  cpus: number;
  memoryMiB: number;
  volumeGiB: number;
  env: Record<string, string>;
  command: string[] | null;
  ports: number[];
  hostName: string | null;
  /** Its addresses on private networks (eth0 first); empty on the host-internal network. */
  nics: ContainerNic[];
  creditsPerHour: number;
  createdAt: string;
  currentOperationId: string | null;
  lastError: string | null;
  stoppedBy: { reason: 'credits' | 'trial'; at: string } | null;
}

export interface ContainerNic { name: string; networkId: string; networkName: string; cidr: string; gateway: string; mac: string; ip: string }

export interface ContainerTemplate {
  id: string;
  name: string;
  image: string;
  description: string;
  command: string[] | null;
  minMemoryMiB: number;
  ports: number[];
  zone: string;
  enabled: boolean;
}

export interface CreateContainerBody {
  name: string;
  templateId: string;
  cpus: number;
  memoryMiB: number;
  env?: Record<string, string>;
  command?: string[];
  /** Private networks to join; none: the user's default network. */
  networkIds?: string[];
}

export interface ContainerOperationResult { container: Container; operation: Operation }
export interface ContainerStats { cpuPercent: number; memoryBytes: number; memoryLimitBytes: number; pids: number; pidsLimit: number; at: string }

const url = (id: string) => `/api/containers/${encodeURIComponent(id)}`;

export async function listContainers(): Promise<Container[]> {
  return (await api.get<{ items: Container[] }>('/api/containers')).items;
}

export async function getContainer(id: string): Promise<Container> {
  return (await api.get<{ container: Container }>(url(id))).container;
}

export async function listContainerTemplates(): Promise<ContainerTemplate[]> {
  return (await api.get<{ items: ContainerTemplate[] }>('/api/container-templates')).items;
}

/** 202: the container exists in "creating"; 409 QUOTA_EXCEEDED / INSUFFICIENT_CREDITS / CONFLICT, 503 NO_CAPACITY. */
export function createContainer(body: CreateContainerBody, options?: RequestOptions): Promise<ContainerOperationResult> {
  return api.post<ContainerOperationResult>('/api/containers', body, options);
}

/** 409 CONTAINER_BUSY while another operation runs on it. */
export function containerAction(id: string, action: ContainerAction, options?: RequestOptions): Promise<ContainerOperationResult> {
  return api.post<ContainerOperationResult>(`${url(id)}/actions`, { action }, options);
}

export function deleteContainer(id: string, options?: RequestOptions): Promise<ContainerOperationResult> {
  return api.deleteWithBody<ContainerOperationResult>(url(id), options);
}

export async function listContainerOperations(id: string): Promise<Operation[]> {
  return (await api.get<{ items: Operation[] }>(`${url(id)}/operations`)).items;
}

export function containerLogs(id: string, tail = 200): Promise<{ text: string; truncated: boolean }> {
  return api.get<{ text: string; truncated: boolean }>(`${url(id)}/logs`, { tail });
}

export function containerStats(id: string): Promise<ContainerStats> {
  return api.get<ContainerStats>(`${url(id)}/stats`);
}

/** A single-use ticket for the terminal (kind 'terminal') or the live logs ('logs'). */
export function createStreamTicket(id: string, kind: 'terminal' | 'logs'): Promise<ConsoleTicket> {
  return api.post<ConsoleTicket>(`${url(id)}/${kind === 'terminal' ? 'terminal' : 'logs/follow'}`, {});
}

// Admins.

export interface AdminContainer extends Container { ownerEmail: string }
export interface CreateContainerTemplateBody { name: string; image: string; description?: string; command?: string[]; minMemoryMiB?: number; ports?: number[]; zone?: string }

export async function listAllContainers(hostName?: string): Promise<AdminContainer[]> {
  return (await api.get<{ items: AdminContainer[] }>('/api/admin/containers', hostName ? { hostName } : undefined)).items;
}

export async function listAllContainerTemplates(): Promise<ContainerTemplate[]> {
  return (await api.get<{ items: ContainerTemplate[] }>('/api/admin/container-templates')).items;
}

/** 201 with where the image is: `hosts` lists each ready host of the zone and whether it holds the image. */
export function createContainerTemplate(body: CreateContainerTemplateBody): Promise<{ template: ContainerTemplate; hosts: { name: string; present: boolean }[] }> {
  return api.post('/api/admin/container-templates', body);
}

export function updateContainerTemplate(id: string, patch: { enabled?: boolean; description?: string; minMemoryMiB?: number }): Promise<{ template: ContainerTemplate }> {
  return api.patch(`/api/admin/container-templates/${encodeURIComponent(id)}`, patch);
}

export function deleteContainerTemplate(id: string): Promise<void> {
  return api.delete(`/api/admin/container-templates/${encodeURIComponent(id)}`);
}

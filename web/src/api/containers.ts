import { api, type RequestOptions } from './client';
import type {
  AdminContainer, AdminContainerList, AdminContainerQuery, Container, ContainerAccepted, ContainerAction, ContainerList, ContainerLogs, ContainerLogsQuery,
  ContainerResponse, ContainerStats, ContainerTemplate, ContainerTemplateCreated, ContainerTemplateList, ContainerTemplatePatch, ContainerTemplateResponse,
  CreateContainerBody, CreateContainerTemplateBody, Operation, OperationList, StreamTicket,
} from './contract';

// Containers: the types are server/src/modules/containers/containers.schemas.ts (./contract.ts).

export type { AdminContainer, Container, ContainerAction, ContainerStats, ContainerTemplate, CreateContainerBody } from './contract';
export type { ContainerAccepted as ContainerOperationResult } from './contract';
export type ContainerState = Container['state'];

const url = (id: string) => `/api/containers/${encodeURIComponent(id)}`;

export async function listContainers(): Promise<Container[]> {
  return (await api.get<ContainerList>('/api/containers')).items;
}

export async function getContainer(id: string): Promise<Container> {
  return (await api.get<ContainerResponse>(url(id))).container;
}

export async function listContainerTemplates(): Promise<ContainerTemplate[]> {
  return (await api.get<ContainerTemplateList>('/api/container-templates')).items;
}

/** 202: the container exists in "creating"; 409 QUOTA_EXCEEDED / INSUFFICIENT_CREDITS / CONFLICT, 503 NO_CAPACITY. */
export function createContainer(body: CreateContainerBody, options?: RequestOptions): Promise<ContainerAccepted> {
  return api.post<ContainerAccepted>('/api/containers', body, options);
}

/** 409 CONTAINER_BUSY while another operation runs on it. */
export function containerAction(id: string, action: ContainerAction, options?: RequestOptions): Promise<ContainerAccepted> {
  return api.post<ContainerAccepted>(`${url(id)}/actions`, { action }, options);
}

export function deleteContainer(id: string, options?: RequestOptions): Promise<ContainerAccepted> {
  return api.deleteWithBody<ContainerAccepted>(url(id), options);
}

export async function listContainerOperations(id: string): Promise<Operation[]> {
  return (await api.get<OperationList>(`${url(id)}/operations`)).items;
}

export function containerLogs(id: string, tail = 200): Promise<ContainerLogs> {
  return api.get<ContainerLogs>(`${url(id)}/logs`, { tail } satisfies ContainerLogsQuery);
}

export function containerStats(id: string): Promise<ContainerStats> {
  return api.get<ContainerStats>(`${url(id)}/stats`);
}

/** A single-use ticket for the terminal (kind 'terminal') or the live logs ('logs'). */
export function createStreamTicket(id: string, kind: 'terminal' | 'logs'): Promise<StreamTicket> {
  return api.post<StreamTicket>(`${url(id)}/${kind === 'terminal' ? 'terminal' : 'logs/follow'}`, {});
}

// Admins.

export async function listAllContainers(hostName?: string): Promise<AdminContainer[]> {
  return (await api.get<AdminContainerList>('/api/admin/containers', (hostName ? { hostName } : undefined) satisfies AdminContainerQuery | undefined)).items;
}

export async function listAllContainerTemplates(): Promise<ContainerTemplate[]> {
  return (await api.get<ContainerTemplateList>('/api/admin/container-templates')).items;
}

/** 201 with where the image is: `hosts` lists each ready host of the zone and whether it holds the image. */
export function createContainerTemplate(body: CreateContainerTemplateBody): Promise<ContainerTemplateCreated> {
  return api.post<ContainerTemplateCreated>('/api/admin/container-templates', body);
}

export function updateContainerTemplate(id: string, patch: ContainerTemplatePatch): Promise<ContainerTemplateResponse> {
  return api.patch<ContainerTemplateResponse>(`/api/admin/container-templates/${encodeURIComponent(id)}`, patch);
}

export function deleteContainerTemplate(id: string): Promise<void> {
  return api.delete(`/api/admin/container-templates/${encodeURIComponent(id)}`);
}

import { api, type RequestOptions } from './client';
import type { Flavor } from './contract';

export type { Flavor } from './contract';

/** The named sizes, smallest first, with their prices running and stopped. */
export async function listFlavors(): Promise<Flavor[]> {
  return (await api.get<{ items: Flavor[] }>('/api/flavors')).items;
}

export async function createFlavor(body: { name: string; vcpus: number; memoryMiB: number; diskGiB: number }, options?: RequestOptions): Promise<Flavor> {
  return (await api.post<{ flavor: Flavor }>('/api/admin/flavors', body, options)).flavor;
}

export function deleteFlavor(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(`/api/admin/flavors/${encodeURIComponent(id)}`, options);
}

import { api, type RequestOptions } from './client';
import type { Flavor, FlavorBody, FlavorList, FlavorResponse } from './contract';

export type { Flavor } from './contract';

/** The named sizes, smallest first, with their prices running and stopped. */
export async function listFlavors(): Promise<Flavor[]> {
  return (await api.get<FlavorList>('/api/flavors')).items;
}

export async function createFlavor(body: FlavorBody, options?: RequestOptions): Promise<Flavor> {
  return (await api.post<FlavorResponse>('/api/admin/flavors', body, options)).flavor;
}

export function deleteFlavor(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(`/api/admin/flavors/${encodeURIComponent(id)}`, options);
}

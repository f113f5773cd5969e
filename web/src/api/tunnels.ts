import { api, type RequestOptions } from './client';
import type { AdminTunnelList, AdminTunnelQuery, CreateTunnelBody, Tunnel, TunnelKey, TunnelKeyBody, TunnelKeyList, TunnelList } from './contract';

// Tunnels: the types are server/src/modules/tunnels/tunnels.schemas.ts (./contract.ts).

export type { CreateTunnelBody, Tunnel, TunnelGateway, TunnelKey, TunnelList, TunnelQuota, TunnelQuotaBody } from './contract';

/** A VM or a container whose port a tunnel publishes (the form picks exactly one of the two). */
export type TunnelTarget = { vmId: string } | { containerId: string };

export const listTunnels = () => api.get<TunnelList>('/api/tunnels');
export const createTunnel = (body: CreateTunnelBody, options?: RequestOptions) => api.post<Tunnel>('/api/tunnels', body, options);
export const closeTunnel = (id: string, options?: RequestOptions) => api.delete(`/api/tunnels/${encodeURIComponent(id)}`, options);
export const frpcToml = () => api.get<string>('/api/tunnels/frpc.toml');

export const listAllTunnels = (q?: string) => api.get<AdminTunnelList>('/api/admin/tunnels', { q: q || undefined } satisfies AdminTunnelQuery);
export const adminCloseTunnel = (id: string, options?: RequestOptions) => api.delete(`/api/admin/tunnels/${encodeURIComponent(id)}`, options);

export const listTunnelKeys = () => api.get<TunnelKeyList>('/api/me/tunnel-keys');
export const addTunnelKey = (body: TunnelKeyBody, options?: RequestOptions) => api.post<TunnelKey>('/api/me/tunnel-keys', body, options);
export const removeTunnelKey = (id: string, options?: RequestOptions) => api.delete(`/api/me/tunnel-keys/${encodeURIComponent(id)}`, options);

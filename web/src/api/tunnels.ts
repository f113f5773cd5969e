import { api, type RequestOptions } from './client';

export type TunnelKind = 'reverse' | 'http' | 'frp' | 'forward';

export interface Tunnel {
  id: string;
  kind: TunnelKind;
  state: 'reserved' | 'active';
  live: boolean;
  name: string | null;
  port: number | null;
  url: string | null;
  address: string | null;
  command: string | null;
  vmId: string | null;
  containerId: string | null;
  targetPort: number | null;
  frpProxyName: string | null;
  bandwidthLimit: number;
  bytesIn: number;
  bytesOut: number;
  connections: number;
  totalConnections: number;
  clientAddress: string | null;
  connectedAt: string | null;
  lastActiveAt: string | null;
  reservedUntil: string | null;
  createdAt: string;
  owner?: { id: string; email: string };
}

export interface TunnelGateway { host: string; port: number; fingerprint: string | null; appsDomain: string; appsPort: number }

export interface TunnelList {
  items: Tunnel[];
  quota: { max: number; used: number };
  range: { start: number; end: number } | null;
  gateway: TunnelGateway;
  forwardsAvailable: boolean;
}

/** A VM or a container whose port a tunnel publishes (exactly one of the two). */
export type TunnelTarget = { vmId: string } | { containerId: string };

export type CreateTunnelBody =
  | { kind: 'reverse'; port?: number }
  | ({ kind: 'http'; name: string; targetPort?: number } & Partial<TunnelTarget>)
  | ({ kind: 'forward'; targetPort: number; protocol?: 'tcp' } & TunnelTarget);

export interface TunnelKey { id: string; name: string; type: string; fingerprint: string; createdAt: string; lastUsedAt: string | null }

export const listTunnels = () => api.get<TunnelList>('/api/tunnels');
export const createTunnel = (body: CreateTunnelBody, options?: RequestOptions) => api.post<Tunnel>('/api/tunnels', body, options);
export const closeTunnel = (id: string, options?: RequestOptions) => api.delete(`/api/tunnels/${encodeURIComponent(id)}`, options);
export const frpcToml = () => api.get<string>('/api/tunnels/frpc.toml');

export const listAllTunnels = (q?: string) => api.get<{ items: Tunnel[] }>('/api/admin/tunnels', { q: q || undefined });
export const adminCloseTunnel = (id: string, options?: RequestOptions) => api.delete(`/api/admin/tunnels/${encodeURIComponent(id)}`, options);

export const listTunnelKeys = () => api.get<{ items: TunnelKey[]; gateway: TunnelGateway }>('/api/me/tunnel-keys');
export const addTunnelKey = (body: { name: string; publicKey: string }, options?: RequestOptions) => api.post<TunnelKey>('/api/me/tunnel-keys', body, options);
export const removeTunnelKey = (id: string, options?: RequestOptions) => api.delete(`/api/me/tunnel-keys/${encodeURIComponent(id)}`, options);

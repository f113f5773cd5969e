import { api, type RequestOptions } from './client';
import type { ApiToken, CreateTokenBody, CreatedToken } from './types';

export async function listTokens(): Promise<ApiToken[]> {
  const { items } = await api.get<{ items: ApiToken[] }>('/api/me/tokens');
  return items;
}

export function createToken(body: CreateTokenBody, options?: RequestOptions): Promise<CreatedToken> {
  return api.post<CreatedToken>('/api/me/tokens', body, options);
}

export function revokeToken(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(`/api/me/tokens/${encodeURIComponent(id)}`, options);
}

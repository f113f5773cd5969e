import { api, type RequestOptions } from './client';
import type { CreateTokenBody, CreatedToken, TokenList } from './contract';

export function listTokens(): Promise<TokenList> {
  return api.get<TokenList>('/api/me/tokens');
}

export function createToken(body: CreateTokenBody, options?: RequestOptions): Promise<CreatedToken> {
  return api.post<CreatedToken>('/api/me/tokens', body, options);
}

export function revokeToken(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(`/api/me/tokens/${encodeURIComponent(id)}`, options);
}

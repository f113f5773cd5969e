import { api } from './client';
import type { CreditLedger, Me, MeResponse, PageQuery } from './contract';

export async function getMe(): Promise<Me> {
  const { user } = await api.get<MeResponse>('/api/me');
  return user;
}

export function listCredits(query: PageQuery): Promise<CreditLedger> {
  return api.get<CreditLedger>('/api/me/credits', query);
}

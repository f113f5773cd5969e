import { api } from './client';
import type { CreditLedger, Me, PageQuery } from './types';

export async function getMe(): Promise<Me> {
  const { user } = await api.get<{ user: Me }>('/api/me');
  return user;
}

export function listCredits(query: PageQuery): Promise<CreditLedger> {
  return api.get<CreditLedger>('/api/me/credits', query);
}

import { api } from './client';
import type { TrialResponse, TrialView } from './contract';

export type { TrialView } from './contract';

export async function getMyTrial(): Promise<TrialView> {
  return (await api.get<TrialResponse>('/api/trial')).trial;
}

export async function getUserTrial(userId: string): Promise<TrialView> {
  return (await api.get<TrialResponse>(`/api/admin/trials/${encodeURIComponent(userId)}`)).trial;
}

import { api } from './client';

export type TrialStage = 'none' | 'active' | 'ending' | 'ended' | 'deleting' | 'deleted';
export interface TrialStep { step: string; cycleEndsAt: string; at: string; details: Record<string, unknown> | null }
export interface TrialView {
  trialEndsAt: string | null; stage: TrialStage; warningAt: string | null; finalNoticeAt: string | null; deleteAt: string | null; steps: TrialStep[];
}

export async function getMyTrial(): Promise<TrialView> {
  return (await api.get<{ trial: TrialView }>('/api/trial')).trial;
}

export async function getUserTrial(userId: string): Promise<TrialView> {
  return (await api.get<{ trial: TrialView }>(`/api/admin/trials/${encodeURIComponent(userId)}`)).trial;
}

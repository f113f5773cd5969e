import { z } from 'zod';

export const TrialStepName = z.enum(['warned', 'stopped', 'final-notice', 'deleting', 'deleted', 'restored']);
export type TrialStepName = z.infer<typeof TrialStepName>;

export const TrialStep = z.object({
  step: TrialStepName,
  cycleEndsAt: z.string().describe('The trial end this step belongs to'),
  at: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const TrialStage = z.enum(['none', 'active', 'ending', 'ended', 'deleting', 'deleted']);

export const TrialView = z.object({
  trialEndsAt: z.string().nullable(),
  stage: TrialStage.describe('none: no trial; ending: within the warning window; ended: stopped, in the grace period'),
  warningAt: z.string().nullable(),
  finalNoticeAt: z.string().nullable(),
  deleteAt: z.string().nullable().describe('When what is left is deleted unless the trial is extended'),
  steps: z.array(TrialStep),
});
export type TrialViewDto = z.infer<typeof TrialView>;
export const TrialResponse = z.object({ trial: TrialView });
export const TrialUserParams = z.object({ userId: z.uuid('not a user id') });

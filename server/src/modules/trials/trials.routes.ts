import { moduleRouter } from '../../platform/http/route.js';
import { TrialResponse, TrialUserParams } from './trials.schemas.js';
import { trialView } from './trials.service.js';

export const trialRoutes = moduleRouter('/api/trial', 'trials');

trialRoutes.get('/', { summary: 'Where my trial stands: its end, the warning, when deletion would come, the steps taken', access: 'user', responses: { 200: TrialResponse } },
  async ({ user }) => ({ status: 200, body: { trial: await trialView(user.userId) } }));

export const adminTrialRoutes = moduleRouter('/api/admin/trials', 'trials');

adminTrialRoutes.get('/:userId', { summary: "A user's trial ladder: stage, dates and every step taken", access: 'admin', params: TrialUserParams, responses: { 200: TrialResponse } },
  async ({ params }) => ({ status: 200, body: { trial: await trialView(params.userId) } }));

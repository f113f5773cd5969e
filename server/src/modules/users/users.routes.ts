import { moduleRouter } from '../../platform/http/route.js';
import { QuotaResponse, UpdateQuotaBody, AdminUserResponse, AdjustCreditsBody, ExtendTrialBody, ListUsersQuery, MeResponse, UpdateUserBody, UserIdParams, UserPage } from './users.schemas.js';
import { adjustCredits, adminUserById, extendTrial, getMe, listUsers, setUserQuota, updateUser } from './users.service.js';
import { ResetLinkResult } from '../auth/auth.schemas.js';
import { adminPasswordResetLink } from '../auth/password.service.js';
import { adminResetTwoFactor } from '../auth/totp.service.js';
import { CreditPage, CreditsQuery } from '../credits/credits.schemas.js';
import { listCredits } from '../credits/credits.service.js';
import { ActivityPage, ActivityQuery } from '../vms/vms.schemas.js';
import { listActivity } from '../vms/vm-activity.js';
import { SignedOut, UserOverview } from './users.schemas.js';
import { signOutEverywhere, userOverview } from './user-overview.js';

export const meRoutes = moduleRouter('/api/me', 'me');

meRoutes.get('/', { summary: 'The signed-in user with trial, quota and credits', access: 'user', responses: { 200: MeResponse } },
  async ({ user }) => ({ status: 200, body: { user: await getMe(user.userId) } }));

export const adminUsersRoutes = moduleRouter('/api/admin/users', 'admin');

adminUsersRoutes.get('/', { summary: 'Search and page users', access: 'admin', query: ListUsersQuery, responses: { 200: UserPage } },
  async ({ query }) => ({ status: 200, body: await listUsers(query) }));

adminUsersRoutes.get('/:id', { summary: "A user's admin page: account, quota in use, resources, sessions", access: 'admin', params: UserIdParams, responses: { 200: UserOverview } },
  async ({ params }) => ({ status: 200, body: await userOverview(params.id) }));

adminUsersRoutes.get('/:id/credits', { summary: "A user's credit ledger, newest first", access: 'admin', params: UserIdParams, query: CreditsQuery, responses: { 200: CreditPage } },
  async ({ params, query }) => {
    await adminUserById(params.id);
    return { status: 200, body: await listCredits(params.id, query.page, query.pageSize) };
  });

adminUsersRoutes.get('/:id/activity', { summary: "A user's task log: operations on their resources, with who or what started them", access: 'admin', params: UserIdParams, query: ActivityQuery, responses: { 200: ActivityPage } },
  async ({ params, query }) => {
    await adminUserById(params.id);
    return { status: 200, body: await listActivity(params.id, query.page, query.pageSize) };
  });

adminUsersRoutes.post('/:id/sessions/sign-out', { summary: 'Sign a user out everywhere: every browser session ends (API tokens stay)', access: 'admin', params: UserIdParams, responses: { 200: SignedOut }, audit: 'admin.user.sign-out-everywhere' },
  async ({ params, req }) => {
    const done = await signOutEverywhere(params.id);
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: done });
    return { status: 200, body: done };
  });

adminUsersRoutes.patch('/:id', { summary: 'Disable/enable a user or set their role', access: 'admin', params: UserIdParams, body: UpdateUserBody, responses: { 200: AdminUserResponse }, audit: 'admin.user.update' },
  async ({ params, body, user, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: body });
    return { status: 200, body: { user: await updateUser(user.userId, params.id, body) } };
  });

adminUsersRoutes.post('/:id/extend-trial', { summary: "Extend a user's trial by some days", access: 'admin', params: UserIdParams, body: ExtendTrialBody, responses: { 200: AdminUserResponse }, audit: 'admin.user.extend-trial' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: body });
    return { status: 200, body: { user: await extendTrial(params.id, body.days) } };
  });

adminUsersRoutes.post('/:id/credits', { summary: "Add credits to a user's balance (or take some back), as a ledger entry", access: 'admin', params: UserIdParams, body: AdjustCreditsBody, responses: { 200: AdminUserResponse }, audit: 'admin.user.credits' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: body });
    return { status: 200, body: { user: await adjustCredits(params.id, body.amount, body.note) } };
  });

adminUsersRoutes.put('/:id/quota', { summary: "Set a user's quota limits", access: 'admin', params: UserIdParams, body: UpdateQuotaBody, responses: { 200: QuotaResponse }, audit: 'admin.user.quota' },
  async ({ params, body, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: body });
    return { status: 200, body: { quota: await setUserQuota(params.id, body) } };
  });

adminUsersRoutes.post('/:id/password-reset', { summary: 'Send a user a password-reset link (mailed; answered instead when the site sends no mail)', access: 'admin', params: UserIdParams, responses: { 200: ResetLinkResult }, audit: 'admin.user.password-reset' },
  async ({ params, req, res }) => {
    const result = await adminPasswordResetLink(params.id);
    Object.assign(req.audit, { targetType: 'user', targetId: params.id, details: { mailed: result.sent } });
    res.setHeader('Cache-Control', 'no-store');
    return { status: 200, body: result };
  });

adminUsersRoutes.post('/:id/reset-2fa', { summary: "Turn off a user's two-factor sign-in (lost phone and recovery codes)", access: 'admin', params: UserIdParams, responses: { 200: AdminUserResponse }, audit: 'admin.user.reset-2fa' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: params.id });
    await adminResetTwoFactor(params.id);
    return { status: 200, body: { user: await adminUserById(params.id) } };
  });

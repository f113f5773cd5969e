import { moduleRouter } from '../../platform/http/route.js';
import { QuotaResponse, UpdateQuotaBody, AdminUserResponse, AdjustCreditsBody, ExtendTrialBody, ListUsersQuery, MeResponse, UpdateUserBody, UserIdParams, UserPage } from './users.schemas.js';
import { adjustCredits, adminUserById, extendTrial, getMe, listUsers, setUserQuota, updateUser } from './users.service.js';
import { ResetLinkResult } from '../auth/auth.schemas.js';
import { adminPasswordResetLink } from '../auth/password.service.js';
import { adminResetTwoFactor } from '../auth/totp.service.js';

export const meRoutes = moduleRouter('/api/me', 'me');

meRoutes.get('/', { summary: 'The signed-in user with trial, quota and credits', access: 'user', responses: { 200: MeResponse } },
  async ({ user }) => ({ status: 200, body: { user: await getMe(user.userId) } }));

export const adminUsersRoutes = moduleRouter('/api/admin/users', 'admin');

adminUsersRoutes.get('/', { summary: 'Search and page users', access: 'admin', query: ListUsersQuery, responses: { 200: UserPage } },
  async ({ query }) => ({ status: 200, body: await listUsers(query) }));

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

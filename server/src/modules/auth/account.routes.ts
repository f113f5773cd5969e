import { config } from '../../config.js';
import { moduleRouter } from '../../platform/http/route.js';
import { byUser, rateLimit } from '../../platform/rate-limit.js';
import {
  ChangePasswordBody, ChangePasswordResponse, ConfirmTotpBody, PasswordAndCodeBody, PasswordProofBody, RecoveryCodes, Security, TotpEnrolment,
} from './auth.schemas.js';
import { changePassword, resendVerification } from './password.service.js';
import { confirmEnrolment, disableTwoFactor, regenerateRecoveryCodes, securityOverview, startEnrolment } from './totp.service.js';

// The signed-in user's own security: password, two-factor sign-in, email confirmation.
// All of it is open to an account whose address is not confirmed yet.
export const accountRoutes = moduleRouter('/api/me', 'account');

// Each of these takes the password: a stolen session must not be able to guess it quickly.
const accountLimit = rateLimit({
  name: 'account', limit: () => config.RATE_LIMIT_ACCOUNT_PER_USER, windowSeconds: () => config.RATE_LIMIT_ACCOUNT_WINDOW_SECONDS, keyOf: byUser,
});
const mailLimit = rateLimit({
  name: 'verify-mail', limit: () => config.RATE_LIMIT_MAIL_PER_ADDRESS, windowSeconds: () => config.RATE_LIMIT_MAIL_WINDOW_SECONDS, keyOf: byUser,
});
const own = { access: 'user', allowUnverified: true } as const;

accountRoutes.get('/security', { summary: 'My password, two-factor and email confirmation status', ...own, responses: { 200: Security } },
  async ({ user }) => ({ status: 200, body: await securityOverview(user.userId) }));

accountRoutes.post('/password', { summary: 'Change my password (the current one is required); my other sessions are signed out', ...own, body: ChangePasswordBody, responses: { 200: ChangePasswordResponse }, audit: 'auth.password.change', before: [accountLimit], sessionOnly: true },
  async ({ body, user, req }) => {
    const result = await changePassword(user.userId, user.sessionId, body.currentPassword, body.newPassword);
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId, details: result });
    return { status: 200, body: result };
  });

accountRoutes.post('/verification-email', { summary: 'Mail me a new link to confirm my email address', ...own, responses: { 202: undefined }, audit: 'auth.email.resend', before: [mailLimit] },
  async ({ user, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId });
    await resendVerification(user.userId);
    return { status: 202 };
  });

accountRoutes.post('/totp', { summary: 'Start setting up two-factor sign-in: a new secret and its QR code (confirm with a code)', ...own, body: PasswordProofBody, responses: { 200: TotpEnrolment }, audit: 'auth.2fa.start', before: [accountLimit], returnsSecret: ['secret', 'otpauthUrl', 'qrCode'], sessionOnly: true },
  async ({ body, user, req, res }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId });
    res.setHeader('Cache-Control', 'no-store');
    return { status: 200, body: await startEnrolment(user.userId, body.password) };
  });

accountRoutes.post('/totp/confirm', { summary: 'Turn two-factor sign-in on with a code from the app; answers the recovery codes, once', ...own, body: ConfirmTotpBody, responses: { 200: RecoveryCodes }, audit: 'auth.2fa.enable', returnsSecret: ['recoveryCodes'], sessionOnly: true },
  async ({ body, user, req, res }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId });
    res.setHeader('Cache-Control', 'no-store');
    return { status: 200, body: await confirmEnrolment(user.userId, body.code) };
  });

accountRoutes.post('/totp/disable', { summary: 'Turn two-factor sign-in off (password and a code or recovery code)', ...own, body: PasswordAndCodeBody, responses: { 204: undefined }, audit: 'auth.2fa.disable', before: [accountLimit], sessionOnly: true },
  async ({ body, user, req }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId });
    await disableTwoFactor(user.userId, body.password, body.code);
    return { status: 204 };
  });

accountRoutes.post('/totp/recovery-codes', { summary: 'New recovery codes (the old ones stop working); password and a code', ...own, body: PasswordAndCodeBody, responses: { 200: RecoveryCodes }, audit: 'auth.2fa.recovery-codes', before: [accountLimit], returnsSecret: ['recoveryCodes'], sessionOnly: true },
  async ({ body, user, req, res }) => {
    Object.assign(req.audit, { targetType: 'user', targetId: user.userId });
    res.setHeader('Cache-Control', 'no-store');
    return { status: 200, body: await regenerateRecoveryCodes(user.userId, body.password, body.code) };
  });

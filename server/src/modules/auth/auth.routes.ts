import { config } from '../../config.js';
import { moduleRouter } from '../../platform/http/route.js';
import { byBodyEmail, byIp, rateLimit } from '../../platform/rate-limit.js';
import { clearSessionCookie, destroySession, setSessionCookie } from '../../platform/auth.js';
import { MeResponse } from '../users/users.schemas.js';
import {
  AuthOptions, EmailResponse, ForgotPasswordBody, ForgotPasswordResponse, LinkBody, LoginBody, LoginResponse, ResetLinkInfo,
  ResetPasswordBody, SignupBody, TwoFactorLoginBody,
} from './auth.schemas.js';
import { authOptions, completeTwoFactorLogin, login, signup } from './auth.service.js';
import { checkResetLink, requestPasswordReset, resetPassword, verifyEmail } from './password.service.js';

export const authRoutes = moduleRouter('/api/auth', 'auth');

const window = () => config.RATE_LIMIT_WINDOW_SECONDS;
const loginIp = { name: 'login-ip', limit: () => config.RATE_LIMIT_LOGIN_PER_IP, windowSeconds: window, keyOf: byIp };
const loginLimit = rateLimit(
  loginIp,
  { name: 'login-email', limit: () => config.RATE_LIMIT_LOGIN_PER_EMAIL, windowSeconds: window, keyOf: byBodyEmail },
);
const signupLimit = rateLimit(
  { name: 'signup-ip', limit: () => config.RATE_LIMIT_SIGNUP_PER_IP, windowSeconds: window, keyOf: byIp },
  { name: 'signup-email', limit: () => config.RATE_LIMIT_LOGIN_PER_EMAIL, windowSeconds: window, keyOf: byBodyEmail },
);
// Links and the code step share the login budget per address: each is a guess at a secret.
const perIpLimit = rateLimit(loginIp);
const mailWindow = () => config.RATE_LIMIT_MAIL_WINDOW_SECONDS;
const forgotLimit = rateLimit(
  { name: 'reset-mail-ip', limit: () => config.RATE_LIMIT_MAIL_PER_IP, windowSeconds: mailWindow, keyOf: byIp },
  { name: 'reset-mail-email', limit: () => config.RATE_LIMIT_MAIL_PER_ADDRESS, windowSeconds: mailWindow, keyOf: byBodyEmail },
);


authRoutes.get('/options', { summary: 'What this site offers before sign-in: mail, email verification, allowed sign-up domains, two-factor', access: 'public', responses: { 200: AuthOptions } },
  async () => ({ status: 200, body: authOptions() }));

authRoutes.post('/signup', { summary: 'Create a 7-day trial account and sign in', access: 'public', body: SignupBody, responses: { 201: MeResponse }, audit: 'auth.signup', before: [signupLimit], returnsSecret: true },
  async ({ body, req, res }) => {
    req.audit.actorEmail = body.email;
    const { user, sessionId } = await signup(body, req.ip);
    Object.assign(req.audit, { actorId: user.id, targetType: 'user', targetId: user.id });
    setSessionCookie(res, sessionId);
    return { status: 201, body: { user } };
  });

authRoutes.post('/login', { summary: 'Sign in with email and password (then the code step, for accounts with two-factor on)', access: 'public', body: LoginBody, responses: { 200: LoginResponse }, audit: 'auth.login', before: [loginLimit], returnsSecret: true },
  async ({ body, req, res }) => {
    req.audit.actorEmail = body.email;
    const result = await login(body, req.ip);
    Object.assign(req.audit, { actorId: result.userId, targetType: 'user', targetId: result.userId });
    if ('challenge' in result) {
      req.audit.details = { step: 'password', next: '2fa' };
      return { status: 200, body: { twoFactorRequired: true as const, ...result.challenge } };
    }
    setSessionCookie(res, result.sessionId);
    return { status: 200, body: { user: result.user } };
  });

authRoutes.post('/login/2fa', { summary: 'Second sign-in step: a code from the authenticator app, or a recovery code', access: 'public', body: TwoFactorLoginBody, responses: { 200: MeResponse }, audit: 'auth.login.2fa', before: [perIpLimit], returnsSecret: true },
  async ({ body, req, res }) => {
    const { user, sessionId, method } = await completeTwoFactorLogin(body.ticket, body.code, req.ip);
    Object.assign(req.audit, { actorId: user.id, actorEmail: user.email, targetType: 'user', targetId: user.id, details: { method } });
    setSessionCookie(res, sessionId);
    return { status: 200, body: { user } };
  });

authRoutes.post('/logout', { summary: 'End this session', access: 'public', responses: { 204: undefined }, audit: 'auth.logout' },
  async ({ principal, res }) => {
    if (principal?.sessionId) await destroySession(principal.sessionId, principal.userId);
    clearSessionCookie(res);
    return { status: 204 };
  });

authRoutes.post('/forgot-password', { summary: 'Mail a password-reset link to the address (the answer is the same whether or not an account has it)', access: 'public', body: ForgotPasswordBody, responses: { 202: ForgotPasswordResponse }, audit: 'auth.password.forgot', before: [forgotLimit] },
  async ({ body, req }) => {
    req.audit.actorEmail = body.email;
    await requestPasswordReset(body.email);
    return { status: 202, body: { message: 'If an account uses this address, a link to reset its password is on its way. Check your inbox.' } };
  });

authRoutes.post('/reset-password/check', { summary: 'Whether a reset link can still be used, and for which address', access: 'public', body: LinkBody, responses: { 200: ResetLinkInfo }, before: [perIpLimit] },
  async ({ body, req }) => {
    req.audit.skip = true; // Looks, changes nothing.
    return { status: 200, body: await checkResetLink(body.token) };
  });

authRoutes.post('/reset-password', { summary: 'Set a new password with a mailed link; every session of the account ends', access: 'public', body: ResetPasswordBody, responses: { 200: EmailResponse }, audit: 'auth.password.reset', before: [perIpLimit] },
  async ({ body, req }) => {
    const { userId, email } = await resetPassword(body.token, body.password);
    Object.assign(req.audit, { actorId: userId, actorEmail: email, targetType: 'user', targetId: userId });
    return { status: 200, body: { email } };
  });

authRoutes.post('/verify-email', { summary: 'Confirm an email address with the link mailed at sign-up', access: 'public', body: LinkBody, responses: { 200: EmailResponse }, audit: 'auth.email.verify', before: [perIpLimit] },
  async ({ body, req }) => {
    const { userId, email } = await verifyEmail(body.token);
    Object.assign(req.audit, { actorId: userId, actorEmail: email, targetType: 'user', targetId: userId });
    return { status: 200, body: { email } };
  });

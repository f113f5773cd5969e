import { config } from '../../config.js';
import { moduleRouter } from '../../platform/http/route.js';
import { byBodyEmail, byIp, rateLimit } from '../../platform/rate-limit.js';
import { clearSessionCookie, destroySession, setSessionCookie } from '../../platform/auth.js';
import { MeResponse } from '../users/users.schemas.js';
import { LoginBody, SignupBody } from './auth.schemas.js';
import { login, signup } from './auth.service.js';

export const authRoutes = moduleRouter('/api/auth', 'auth');

const window = () => config.RATE_LIMIT_WINDOW_SECONDS;
const loginLimit = rateLimit(
  { name: 'login-ip', limit: () => config.RATE_LIMIT_LOGIN_PER_IP, windowSeconds: window, keyOf: byIp },
  { name: 'login-email', limit: () => config.RATE_LIMIT_LOGIN_PER_EMAIL, windowSeconds: window, keyOf: byBodyEmail },
);
const signupLimit = rateLimit(
  { name: 'signup-ip', limit: () => config.RATE_LIMIT_SIGNUP_PER_IP, windowSeconds: window, keyOf: byIp },
  { name: 'signup-email', limit: () => config.RATE_LIMIT_LOGIN_PER_EMAIL, windowSeconds: window, keyOf: byBodyEmail },
);

authRoutes.post('/signup', { summary: 'Create a 7-day trial account and sign in', access: 'public', body: SignupBody, responses: { 201: MeResponse }, audit: 'auth.signup', before: [signupLimit], returnsSecret: true },
  async ({ body, req, res }) => {
    req.audit.actorEmail = body.email;
    const { user, sessionId } = await signup(body, req.ip);
    Object.assign(req.audit, { actorId: user.id, targetType: 'user', targetId: user.id });
    setSessionCookie(res, sessionId);
    return { status: 201, body: { user } };
  });

authRoutes.post('/login', { summary: 'Sign in with email and password', access: 'public', body: LoginBody, responses: { 200: MeResponse }, audit: 'auth.login', before: [loginLimit], returnsSecret: true },
  async ({ body, req, res }) => {
    req.audit.actorEmail = body.email;
    const { user, sessionId } = await login(body, req.ip);
    Object.assign(req.audit, { actorId: user.id, targetType: 'user', targetId: user.id });
    setSessionCookie(res, sessionId);
    return { status: 200, body: { user } };
  });

authRoutes.post('/logout', { summary: 'End this session', access: 'public', responses: { 204: undefined }, audit: 'auth.logout' },
  async ({ principal, res }) => {
    if (principal?.sessionId) await destroySession(principal.sessionId, principal.userId);
    clearSessionCookie(res);
    return { status: 204 };
  });

import { api, type RequestOptions } from './client';
import type {
  AuthOptions, EmailResponse, ForgotPasswordBody, LinkBody, LoginBody, LoginResponse, Me, MeResponse, ResetLinkInfo, ResetPasswordBody, SignupBody, TwoFactorChallenge,
  TwoFactorLoginBody,
} from './contract';

export async function signup(body: SignupBody, options?: RequestOptions): Promise<Me> {
  const { user } = await api.post<MeResponse>('/api/auth/signup', body, options);
  return user;
}

/** Signed in (the user), or the password was right and a second factor is asked for. */
export async function login(body: LoginBody, options?: RequestOptions): Promise<Me | TwoFactorChallenge> {
  const answer = await api.post<LoginResponse>('/api/auth/login', body, options);
  return 'user' in answer ? answer.user : answer;
}

/** The second step: a code from the app, or a recovery code. */
export async function loginTwoFactor(ticket: string, code: string, options?: RequestOptions): Promise<Me> {
  const { user } = await api.post<MeResponse>('/api/auth/login/2fa', { ticket, code } satisfies TwoFactorLoginBody, options);
  return user;
}

export async function logout(options?: RequestOptions): Promise<void> {
  await api.post<unknown>('/api/auth/logout', undefined, options);
}

export function authOptions(): Promise<AuthOptions> {
  return api.get<AuthOptions>('/api/auth/options');
}

export async function forgotPassword(email: string, options?: RequestOptions): Promise<void> {
  await api.post<unknown>('/api/auth/forgot-password', { email } satisfies ForgotPasswordBody, options);
}

/** The address a reset link is for, while it can still be used (INVALID_LINK otherwise). */
export function checkResetLink(token: string, options?: RequestOptions): Promise<ResetLinkInfo> {
  return api.post<ResetLinkInfo>('/api/auth/reset-password/check', { token } satisfies LinkBody, options);
}

export async function resetPassword(token: string, password: string, options?: RequestOptions): Promise<string> {
  const { email } = await api.post<EmailResponse>('/api/auth/reset-password', { token, password } satisfies ResetPasswordBody, options);
  return email;
}

export async function verifyEmail(token: string, options?: RequestOptions): Promise<string> {
  const { email } = await api.post<EmailResponse>('/api/auth/verify-email', { token } satisfies LinkBody, options);
  return email;
}

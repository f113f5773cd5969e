import { api, type RequestOptions } from './client';
import type { ChangePasswordBody, ChangePasswordResponse, ConfirmTotpBody, PasswordAndCodeBody, PasswordProofBody, RecoveryCodes, Security, TotpEnrolment } from './contract';

// The signed-in user's own security: password, two-factor sign-in, email confirmation.

export function getSecurity(): Promise<Security> {
  return api.get<Security>('/api/me/security');
}

/** Resolves to how many other sessions were signed out. */
export async function changePassword(body: ChangePasswordBody, options?: RequestOptions): Promise<number> {
  const { sessionsClosed } = await api.post<ChangePasswordResponse>('/api/me/password', body, options);
  return sessionsClosed;
}

export async function resendVerification(options?: RequestOptions): Promise<void> {
  await api.post<unknown>('/api/me/verification-email', undefined, options);
}

export function startTotp(password: string, options?: RequestOptions): Promise<TotpEnrolment> {
  return api.post<TotpEnrolment>('/api/me/totp', { password } satisfies PasswordProofBody, options);
}

/** Turns two-factor on; resolves to the recovery codes (shown once). */
export async function confirmTotp(code: string, options?: RequestOptions): Promise<string[]> {
  const { recoveryCodes } = await api.post<RecoveryCodes>('/api/me/totp/confirm', { code } satisfies ConfirmTotpBody, options);
  return recoveryCodes;
}

export async function disableTotp(password: string, code: string, options?: RequestOptions): Promise<void> {
  await api.post<unknown>('/api/me/totp/disable', { password, code } satisfies PasswordAndCodeBody, options);
}

export async function regenerateRecoveryCodes(password: string, code: string, options?: RequestOptions): Promise<string[]> {
  const { recoveryCodes } = await api.post<RecoveryCodes>('/api/me/totp/recovery-codes', { password, code } satisfies PasswordAndCodeBody, options);
  return recoveryCodes;
}

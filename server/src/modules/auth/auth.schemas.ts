import { z } from 'zod';
import { DisplayName, Email, MeResponse, Password } from '../users/users.schemas.js';

export const SignupBody = z.object({ email: Email, password: Password, displayName: DisplayName }).strict();
// Login does not re-apply signup's password rules: an old account may predate them.
const AnyPassword = z.string().min(1, 'required').max(256);
export const LoginBody = z.object({ email: Email, password: AnyPassword }).strict();

/** A single-use secret from a mailed link (`#token=...`). */
const LinkToken = z.string().trim().regex(/^[A-Za-z0-9_-]{43}$/, 'not a link token');
/** A 6-digit code from the authenticator app, or a recovery code (xxxx-xxxx-xxxx). */
const SecondFactorCode = z.string().trim().min(6, 'at least 6 characters').max(32, 'at most 32 characters')
  .describe('6 digits from the authenticator app, or one of the recovery codes');

export const TwoFactorChallenge = z.object({
  twoFactorRequired: z.literal(true),
  ticket: z.string().describe('Send it with the code to /api/auth/login/2fa; valid once, for expiresInSeconds'),
  expiresInSeconds: z.number().int(),
});
export const LoginResponse = z.union([MeResponse, TwoFactorChallenge]).describe('Signed in ({user}), or the password was right and a second factor is asked for');
export const TwoFactorLoginBody = z.object({ ticket: z.string().trim().min(1, 'required').max(100), code: SecondFactorCode }).strict();

export const AuthOptions = z.object({
  mail: z.boolean().describe('The site sends mail: password reset by email works'),
  emailVerification: z.boolean().describe('New accounts confirm their address before they may create anything'),
  signupEmailDomains: z.array(z.string()).describe('Sign-up is open to these email domains only; empty: any'),
  twoFactor: z.boolean().describe('Two-factor sign-in (TOTP) can be turned on'),
});

export const ForgotPasswordBody = z.object({ email: Email }).strict();
export const ForgotPasswordResponse = z.object({ message: z.string() });
export const LinkBody = z.object({ token: LinkToken }).strict();
export const ResetLinkInfo = z.object({ email: z.string(), expiresAt: z.string() });
export const ResetPasswordBody = z.object({ token: LinkToken, password: Password }).strict();
export const EmailResponse = z.object({ email: z.string() });

export const ChangePasswordBody = z.object({ currentPassword: AnyPassword, newPassword: Password }).strict()
  .refine((b) => b.currentPassword !== b.newPassword, { path: ['newPassword'], message: 'must differ from the current password' });
export const ChangePasswordResponse = z.object({ sessionsClosed: z.number().int().describe('Other sessions signed out') });

export const Security = z.object({
  email: z.string(),
  emailVerified: z.boolean(),
  passwordChangedAt: z.string().nullable(),
  mail: z.boolean(),
  twoFactor: z.object({
    available: z.boolean().describe('The site has a TOTP key: two-factor sign-in can be turned on'),
    enabled: z.boolean(),
    enabledAt: z.string().nullable(),
    required: z.boolean(),
    recoveryCodesLeft: z.number().int(),
  }),
});

export const PasswordProofBody = z.object({ password: AnyPassword }).strict();
export const TotpEnrolment = z.object({
  secret: z.string().describe('Base32, for typing into an authenticator app'),
  otpauthUrl: z.string(),
  qrCode: z.string().describe('PNG data URL of the otpauth:// URL'),
  expiresInSeconds: z.number().int().describe('Confirm with a code before then'),
});
export const ConfirmTotpBody = z.object({ code: z.string().trim().regex(/^\d{6}$/, '6 digits') }).strict();
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe('Shown once; each works once') });
export const PasswordAndCodeBody = z.object({ password: AnyPassword, code: SecondFactorCode }).strict();

export const ResetLinkResult = z.object({
  sent: z.boolean().describe('Mailed to the user; false when the site sends no mail: pass the link on yourself'),
  link: z.string().nullable().describe('Only when not mailed'),
  expiresAt: z.string().nullable(),
});

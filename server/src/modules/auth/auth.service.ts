import argon2 from 'argon2';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { createSession } from '../../platform/auth.js';
import { mailEnabled } from '../../platform/mail.js';
import { createUser, getMe, hashPassword } from '../users/users.service.js';
import type { MeDto } from '../users/users.schemas.js';
import { queueVerificationMail } from './auth.mail.js';
import { challengeUser, closeLoginChallenge, openLoginChallenge, stepExpired } from './login-challenge.js';
import { proveSecondFactor } from './totp.service.js';
import { twoFactorAvailable } from './totp-codes.js';

// Verified against when the email is unknown, so both failures take the same time.
const dummyHash = hashPassword('not-a-real-password-just-timing');

const invalid = () => new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect.');
const disabled = () => new AppError('ACCOUNT_DISABLED', 'This account has been disabled. Contact an administrator.');

/** What the sign-in and sign-up pages need to know about this site before anyone signs in. */
export function authOptions() {
  return {
    mail: mailEnabled(),
    emailVerification: mailEnabled() && config.SIGNUP_VERIFY_EMAIL,
    signupEmailDomains: config.SIGNUP_EMAIL_DOMAINS,
    twoFactor: twoFactorAvailable(),
  };
}

function checkSignupDomain(email: string): void {
  const allowed = config.SIGNUP_EMAIL_DOMAINS;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (allowed.length === 0 || allowed.includes(domain)) return;
  const list = allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
  throw new AppError('EMAIL_DOMAIN_NOT_ALLOWED', `Sign-up is open to addresses at ${list} only; ${domain} is not one of them.`, { allowedDomains: allowed, domain });
}

/**
 * A trial account, signed in at once. When the site sends mail (and asks for it) the address
 * is confirmed by a mailed link; until then the account may look around but not create anything.
 */
export async function signup(input: { email: string; password: string; displayName: string }, ip?: string) {
  checkSignupDomain(input.email);
  const verify = authOptions().emailVerification;
  const user = await createUser({ ...input, trial: true, emailVerified: !verify });
  const sessionId = await createSession(user.id, ip);
  if (verify) await queueVerificationMail({ userId: user.id });
  return { user, sessionId };
}

export type LoginResult =
  | { user: MeDto; sessionId: string }
  | { challenge: { ticket: string; expiresInSeconds: number } };

/** The password, then (for accounts with two-factor on) a ticket for the code step instead of a session. */
export async function login(input: { email: string; password: string }, ip?: string): Promise<LoginResult & { userId: string }> {
  const row = await db.user.findUnique({ where: { email: input.email }, select: { id: true, passwordHash: true, status: true, totpEnabledAt: true } });
  const ok = await argon2.verify(row?.passwordHash ?? (await dummyHash), input.password).catch(() => false);
  if (!row || !ok) throw invalid();
  // Only someone who knows the password learns the account is disabled.
  if (row.status !== 'active') throw disabled();
  if (row.totpEnabledAt) return { userId: row.id, challenge: await openLoginChallenge(row.id, ip) };
  const sessionId = await createSession(row.id, ip);
  return { userId: row.id, user: await getMe(row.id), sessionId };
}

/** The code step: a right code (or recovery code) for the ticket's user makes the session. */
export async function completeTwoFactorLogin(ticket: string, code: string, ip?: string) {
  const userId = await challengeUser(ticket);
  const { method } = await proveSecondFactor(userId, code);
  if (!(await closeLoginChallenge(ticket))) throw stepExpired();
  const user = await getMe(userId);
  if (user.status !== 'active') throw disabled();
  const sessionId = await createSession(userId, ip);
  return { user, sessionId, method };
}

import argon2 from 'argon2';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { bumpAuthVersion, destroyUserSessions } from '../../platform/auth.js';
import { mailEnabled } from '../../platform/mail.js';
import { hashPassword } from '../users/users.service.js';
import { queuePasswordResetMail, queueVerificationMail } from './auth.mail.js';
import { consumeLinkToken, issueLinkToken, linkUrl, peekLinkToken, retireLinks } from './email-links.js';

// Passwords and the mailed links that stand in for them: change (knowing the old one),
// reset (by a link to the address), and confirming the address itself.

const wrongPassword = () => new AppError('WRONG_PASSWORD', 'The password is not correct.');

/** Throws WRONG_PASSWORD unless `password` is the user's. */
export async function checkPassword(userId: string, password: string): Promise<void> {
  const row = await db.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  if (!row) throw errors.notFound('User');
  const ok = await argon2.verify(row.passwordHash, password).catch(() => false);
  if (!ok) throw wrongPassword();
}

/** Sets a new password; every other session of the user ends (the one making the change stays). */
export async function changePassword(userId: string, keepSessionId: string | undefined, current: string, next: string): Promise<{ sessionsClosed: number }> {
  await checkPassword(userId, current);
  const passwordHash = await hashPassword(next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: new Date() } });
    // A reset link mailed earlier must not undo this change.
    await retireLinks(tx, userId, 'reset_password');
  });
  return { sessionsClosed: await destroyUserSessions(userId, keepSessionId) };
}

const mailOff = () => new AppError('MAIL_NOT_CONFIGURED', 'This site does not send email, so passwords cannot be reset by mail. Ask an administrator for a reset link.');

/** Queues a reset mail for the address; answers the same whether or not an account has it. */
export async function requestPasswordReset(email: string): Promise<void> {
  if (!mailEnabled()) throw mailOff();
  await queuePasswordResetMail({ email });
}

export async function checkResetLink(token: string): Promise<{ email: string; expiresAt: string }> {
  const link = await peekLinkToken(token, 'reset_password');
  return { email: link.email, expiresAt: link.expiresAt.toISOString() };
}

/** Uses the link, sets the password and ends every session; following the link also proves the address. */
export async function resetPassword(token: string, password: string): Promise<{ userId: string; email: string }> {
  const passwordHash = await hashPassword(password);
  const user = await db.$transaction(async (tx) => {
    const userId = await consumeLinkToken(tx, token, 'reset_password');
    const u = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, emailVerifiedAt: true } });
    await tx.user.update({
      where: { id: userId },
      data: { passwordHash, passwordChangedAt: new Date(), ...(u.emailVerifiedAt ? {} : { emailVerifiedAt: new Date() }) },
    });
    return { userId, email: u.email };
  });
  await destroyUserSessions(user.userId);
  await bumpAuthVersion(user.userId);
  return user;
}

/** An administrator's reset for a user: mailed when the site sends mail, else handed to the admin to pass on. */
export async function adminPasswordResetLink(userId: string): Promise<{ sent: boolean; link: string | null; expiresAt: string | null }> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, status: true } });
  if (!user) throw errors.notFound('User');
  if (user.status !== 'active') throw errors.conflict('This account is disabled; enable it before sending a reset link.');
  if (mailEnabled()) {
    await queuePasswordResetMail({ email: user.email });
    return { sent: true, link: null, expiresAt: null };
  }
  const { token, expiresAt } = await issueLinkToken(userId, 'reset_password', config.PASSWORD_RESET_TTL_MINUTES * 60_000);
  return { sent: false, link: linkUrl('/reset-password', token), expiresAt: expiresAt.toISOString() };
}

/** Confirms the address behind a verification link; the account may then create resources. */
export async function verifyEmail(token: string): Promise<{ userId: string; email: string }> {
  const user = await db.$transaction(async (tx) => {
    const userId = await consumeLinkToken(tx, token, 'verify_email');
    const u = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, emailVerifiedAt: true } });
    if (!u.emailVerifiedAt) await tx.user.update({ where: { id: userId }, data: { emailVerifiedAt: new Date() } });
    return { userId, email: u.email };
  });
  await bumpAuthVersion(user.userId);
  return user;
}

export async function resendVerification(userId: string): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { emailVerifiedAt: true } });
  if (!user) throw errors.notFound('User');
  if (user.emailVerifiedAt) throw errors.conflict('Your email address is already confirmed.');
  if (!mailEnabled()) throw mailOff();
  await queueVerificationMail({ userId });
}

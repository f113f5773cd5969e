import argon2 from 'argon2';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { createSession } from '../../platform/auth.js';
import { createUser, getMe, hashPassword } from '../users/users.service.js';
import type { MeDto } from '../users/users.schemas.js';

// Verified against when the email is unknown, so both failures take the same time.
const dummyHash = hashPassword('not-a-real-password-just-timing');

const invalid = () => new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect.');

export async function signup(input: { email: string; password: string; displayName: string }, ip?: string) {
  const user = await createUser({ ...input, trial: true });
  const sessionId = await createSession(user.id, ip);
  return { user, sessionId };
}

export async function login(input: { email: string; password: string }, ip?: string): Promise<{ user: MeDto; sessionId: string }> {
  const row = await db.user.findUnique({ where: { email: input.email }, select: { id: true, passwordHash: true, status: true } });
  const ok = await argon2.verify(row?.passwordHash ?? (await dummyHash), input.password).catch(() => false);
  if (!row || !ok) throw invalid();
  // Only someone who knows the password learns the account is disabled.
  if (row.status !== 'active') throw new AppError('ACCOUNT_DISABLED', 'This account has been disabled. Contact an administrator.');
  const sessionId = await createSession(row.id, ip);
  return { user: await getMe(row.id), sessionId };
}

import QRCode from 'qrcode';
import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { redis, rkey } from '../../platform/redis.js';
import { bumpAuthVersion } from '../../platform/auth.js';
import { mailEnabled } from '../../platform/mail.js';
import { forgiveHit, hit } from '../../platform/rate-limit.js';
import { checkPassword } from './password.service.js';
import {
  looksLikeTotpCode, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpBox, totpFor, twoFactorAvailable,
} from './totp-codes.js';

// Two-factor sign-in with an authenticator app (TOTP). Enrolment: the password, then a seed
// shown as a QR code and in words, then one right code turns it on and hands out recovery
// codes (shown once). The seed is sealed at rest (platform/secret-box.ts). Every check of a
// code, wherever it comes from (sign-in, turning it off, new recovery codes), spends from one
// budget per user, so guessing 6 digits through any door stops after a few tries.

const ENROL_TTL_SECONDS = 600;
const enrolKey = (userId: string) => rkey('totp-enrol', userId);
const lastStepKey = (userId: string) => rkey('totp-step', userId);

const invalidCode = () => new AppError('INVALID_TOTP_CODE', 'The code is not correct. Use the current code from your authenticator app, or an unused recovery code.');

// A code counts once: its time step must be later than the last one accepted (RFC 6238 §5.2).
const claimStepScript = `
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** Runs one check against the user's budget of tries; a right answer gives its try back. */
async function withTryBudget(userId: string, check: () => Promise<boolean>): Promise<void> {
  const { count, ttl } = await hit('2fa', userId, config.RATE_LIMIT_2FA_WINDOW_SECONDS);
  if (count > config.RATE_LIMIT_2FA_FAILURES_PER_USER) throw errors.rateLimited(Math.max(1, ttl));
  if (!(await check())) throw invalidCode();
  await forgiveHit('2fa', userId);
}

async function totpRow(userId: string) {
  const u = await db.user.findUnique({ where: { id: userId }, select: { email: true, role: true, totpSecret: true, totpEnabledAt: true } });
  if (!u) throw errors.notFound('User');
  return u;
}

async function acceptTotp(userId: string, secretBase32: string, code: string): Promise<boolean> {
  const step = matchTotp(secretBase32, code);
  if (step === null) return false;
  return (await redis.eval(claimStepScript, 1, lastStepKey(userId), step, 180)) === 1;
}

async function useRecoveryCode(userId: string, typed: string): Promise<boolean> {
  const code = normalizeRecoveryCode(typed);
  if (code.length !== 12) return false;
  const { count } = await db.recoveryCode.updateMany({ where: { userId, codeHash: hashRecoveryCode(userId, code), usedAt: null }, data: { usedAt: new Date() } });
  return count === 1;
}

const hashRecoveryCode = (userId: string, normalized: string) => totpBox().hash(`${userId}:${normalized}`);

/** Checks a second factor: 6 digits from the app, or a recovery code (used up). */
export async function proveSecondFactor(userId: string, code: string): Promise<{ method: 'totp' | 'recovery' }> {
  const u = await totpRow(userId);
  if (!u.totpEnabledAt || !u.totpSecret) throw errors.conflict('Two-factor sign-in is not turned on for this account.');
  const secret = totpBox().open(u.totpSecret);
  const method = looksLikeTotpCode(code) ? 'totp' : 'recovery';
  await withTryBudget(userId, () => (method === 'totp' ? acceptTotp(userId, secret, code.replace(/\s/g, '')) : useRecoveryCode(userId, code)));
  return { method };
}

export async function recoveryCodesLeft(userId: string): Promise<number> {
  return db.recoveryCode.count({ where: { userId, usedAt: null } });
}

async function replaceRecoveryCodes(tx: Tx, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: hashRecoveryCode(userId, normalizeRecoveryCode(c)) })) });
  return codes;
}

/** Step 1: after the password, a new seed to scan; it waits in Redis (sealed) until a code confirms it. */
export async function startEnrolment(userId: string, password: string) {
  const box = totpBox();
  const u = await totpRow(userId);
  if (u.totpEnabledAt) throw errors.conflict('Two-factor sign-in is already on. Turn it off first to set up another app.');
  await checkPassword(userId, password);
  const secret = newTotpSecret();
  await redis.set(enrolKey(userId), box.seal(secret), 'EX', ENROL_TTL_SECONDS);
  const otpauthUrl = totpFor(secret, u.email).toString();
  const qrCode = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, otpauthUrl, qrCode, expiresInSeconds: ENROL_TTL_SECONDS };
}

/** Step 2: a right code from the app turns two-factor on; the recovery codes are shown this once. */
export async function confirmEnrolment(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  const box = totpBox();
  const sealed = await redis.get(enrolKey(userId));
  if (!sealed) throw errors.conflict('The set-up has expired or was not started. Start again.');
  const secret = box.open(sealed);
  await withTryBudget(userId, () => acceptTotp(userId, secret, code));
  const recoveryCodes = await db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id: userId, totpEnabledAt: null }, data: { totpSecret: box.seal(secret), totpEnabledAt: new Date() } });
    if (count !== 1) throw errors.conflict('Two-factor sign-in is already on.');
    return replaceRecoveryCodes(tx, userId);
  });
  await redis.del(enrolKey(userId));
  await bumpAuthVersion(userId);
  return { recoveryCodes };
}

async function clearTwoFactor(userId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { totpSecret: null, totpEnabledAt: null } });
    await tx.recoveryCode.deleteMany({ where: { userId } });
  });
  await redis.del(enrolKey(userId), lastStepKey(userId));
  await bumpAuthVersion(userId);
}

/** Turning it off takes the password and a code (or a recovery code). */
export async function disableTwoFactor(userId: string, password: string, code: string): Promise<void> {
  const u = await totpRow(userId);
  if (!u.totpEnabledAt) throw errors.conflict('Two-factor sign-in is not turned on.');
  if (u.role === 'admin' && config.REQUIRE_2FA_FOR_ADMINS) throw errors.conflict('This site requires administrators to keep two-factor sign-in on.');
  await checkPassword(userId, password);
  await proveSecondFactor(userId, code);
  await clearTwoFactor(userId);
}

/** New recovery codes (the old ones stop working); takes the password and a code. */
export async function regenerateRecoveryCodes(userId: string, password: string, code: string): Promise<{ recoveryCodes: string[] }> {
  await checkPassword(userId, password);
  await proveSecondFactor(userId, code);
  return { recoveryCodes: await db.$transaction((tx) => replaceRecoveryCodes(tx, userId)) };
}

/** An administrator's reset for a user who lost their app and codes: two-factor is off until they set it up again. */
export async function adminResetTwoFactor(userId: string): Promise<void> {
  const u = await totpRow(userId);
  if (!u.totpEnabledAt) throw errors.conflict('Two-factor sign-in is not on for this user.');
  await clearTwoFactor(userId);
}

export async function securityOverview(userId: string) {
  const u = await db.user.findUnique({
    where: { id: userId },
    select: { email: true, role: true, emailVerifiedAt: true, passwordChangedAt: true, totpEnabledAt: true },
  });
  if (!u) throw errors.notFound('User');
  return {
    email: u.email,
    emailVerified: u.emailVerifiedAt !== null,
    passwordChangedAt: u.passwordChangedAt?.toISOString() ?? null,
    mail: mailEnabled(),
    twoFactor: {
      available: twoFactorAvailable(),
      enabled: u.totpEnabledAt !== null,
      enabledAt: u.totpEnabledAt?.toISOString() ?? null,
      required: u.role === 'admin' && config.REQUIRE_2FA_FOR_ADMINS,
      recoveryCodesLeft: u.totpEnabledAt ? await recoveryCodesLeft(userId) : 0,
    },
  };
}

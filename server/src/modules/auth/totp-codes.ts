import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { parseKey, SecretBox } from '../../platform/secret-box.js';

// TOTP as authenticator apps speak it (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) and
// the recovery codes that stand in for the app once each. Pure functions, plus the sealing
// key from config.

const DIGITS = 6;
const PERIOD = 30;
/** Codes one step early or late still count: phone clocks drift and people type slowly. */
const WINDOW = 1;

export const RECOVERY_CODE_COUNT = 10;
/** 31 letters and digits with none that look alike (0/o, 1/l/i): 12 of them carry ~59 bits. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

let box: { key: string; box: SecretBox } | undefined;

export const twoFactorAvailable = (): boolean => Boolean(config.TOTP_ENCRYPTION_KEY);

/** Seals TOTP seeds and hashes recovery codes under TOTP_ENCRYPTION_KEY. */
export function totpBox(): SecretBox {
  const key = config.TOTP_ENCRYPTION_KEY;
  if (!key) throw new AppError('TWO_FACTOR_NOT_CONFIGURED', 'Two-factor sign-in is not available on this site: it has no TOTP_ENCRYPTION_KEY. Ask an administrator.');
  if (box?.key !== key) box = { key, box: new SecretBox(parseKey(key), 'totp') };
  return box.box;
}

/** A new seed, base32 (160 bits, as RFC 4226 recommends). */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

export function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: config.SITE_NAME, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** The time step a code belongs to (within the window around `now`), or null if it is not a current code. */
export function matchTotp(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32, 'check');
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** The code an app shows at `now` (tests and the enrolment check use it). */
export const totpCodeAt = (secretBase32: string, now = Date.now()): string => totpFor(secretBase32, 'x').generate({ timestamp: now });

export function newRecoveryCodes(n = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: n }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** What a person typed, as the code it means: any case, spaces or dashes. */
export const normalizeRecoveryCode = (typed: string): string => typed.toLowerCase().replace(/[^a-z0-9]/g, '');

export const looksLikeTotpCode = (typed: string): boolean => /^\d{6}$/.test(typed.replace(/\s/g, ''));

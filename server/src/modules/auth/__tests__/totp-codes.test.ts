import { describe, expect, it } from 'vitest';
import { looksLikeTotpCode, matchTotp, newRecoveryCodes, normalizeRecoveryCode, totpCodeAt, totpFor } from '../totp-codes.js';

// RFC 6238 appendix B: the ASCII seed "12345678901234567890" with HMAC-SHA1. The RFC prints
// 8 digits; a 6-digit code is the same number modulo 10^6.
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '287082'], [1111111109, '081804'], [1111111111, '050471'], [1234567890, '005924'], [2000000000, '279037'], [20000000000, '353130'],
];

describe('TOTP codes', () => {
  it('match the RFC 6238 test vectors', () => {
    for (const [seconds, code] of RFC_VECTORS) expect(totpCodeAt(RFC_SEED, seconds * 1000)).toBe(code);
  });

  it('accept the current step and one either side, and say which step', () => {
    const now = 1111111111 * 1000;
    const step = Math.floor(1111111111 / 30);
    expect(matchTotp(RFC_SEED, '050471', now)).toBe(step);
    expect(matchTotp(RFC_SEED, totpCodeAt(RFC_SEED, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(RFC_SEED, totpCodeAt(RFC_SEED, now + 30_000), now)).toBe(step + 1);
    expect(matchTotp(RFC_SEED, totpCodeAt(RFC_SEED, now + 90_000), now)).toBeNull();
    expect(matchTotp(RFC_SEED, '05047', now)).toBeNull();
    expect(matchTotp(RFC_SEED, 'abcdef', now)).toBeNull();
  });

  it('write an otpauth URL an authenticator app reads', () => {
    const url = new URL(totpFor(RFC_SEED, 'ada@campus.edu').toString());
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(RFC_SEED);
    expect(url.searchParams.get('issuer')).toBe('Campus Cloud');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');
    expect(decodeURIComponent(url.pathname)).toContain('ada@campus.edu');
  });
});

describe('recovery codes', () => {
  it('are ten distinct xxxx-xxxx-xxxx codes without look-alike characters', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/);
  });

  it('are read however they are typed, and never taken for an app code', () => {
    expect(normalizeRecoveryCode(' ABCD-efgh - 2345 ')).toBe('abcdefgh2345');
    expect(looksLikeTotpCode('123 456')).toBe(true);
    expect(looksLikeTotpCode('abcd-efgh-2345')).toBe(false);
  });
});

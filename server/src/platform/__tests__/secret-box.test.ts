import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseKey, SecretBox } from '../secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key, 'totp');

  it('seals so the plaintext does not show, and opens it again', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a value sealed under another key, or changed', () => {
    const other = new SecretBox(randomBytes(32), 'totp');
    expect(() => other.open(box.seal('x'))).toThrow(/another key/);
    const parts = box.seal('secret').split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => box.open('plain-text')).toThrow(/not a sealed value/);
  });

  it('keys hashes apart from sealing and from other purposes', () => {
    expect(box.hash('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(box.hash('abc')).toBe(new SecretBox(key, 'totp').hash('abc'));
    expect(box.hash('abc')).not.toBe(new SecretBox(key, 'other').hash('abc'));
  });

  it('reads a key as hex or base64, 32 bytes only', () => {
    expect(parseKey(key.toString('hex'))).toEqual(key);
    expect(parseKey(key.toString('base64'))).toEqual(key);
    expect(() => parseKey('abcd')).toThrow(/32 bytes/);
  });
});

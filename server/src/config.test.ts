import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults everything a fresh machine needs', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.TRIAL_DAYS).toBe(7);
    expect(c.DATABASE_URL).toBe('mysql://root@127.0.0.1:3306/campus');
  });
  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x' })).toThrow(/PORT[\s\S]*REDIS_URL/);
  });
  it('reads secrets from *_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'pw'), 'from-a-file-123\n');
    expect(loadConfig({ ADMIN_PASSWORD_FILE: path.join(dir, 'pw') }).ADMIN_PASSWORD).toBe('from-a-file-123');
  });
  it('reads the sign-up domain list, and refuses what is not a domain', () => {
    expect(loadConfig({}).SIGNUP_EMAIL_DOMAINS).toEqual([]);
    expect(loadConfig({ SIGNUP_EMAIL_DOMAINS: ' Campus.edu, @stu.campus.edu ,' }).SIGNUP_EMAIL_DOMAINS).toEqual(['campus.edu', 'stu.campus.edu']);
    expect(() => loadConfig({ SIGNUP_EMAIL_DOMAINS: 'campus.edu,not a domain' })).toThrow(/SIGNUP_EMAIL_DOMAINS/);
  });
  it('needs PUBLIC_URL for mail and a TOTP key for required two-factor', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/PUBLIC_URL: required when SMTP_URL/);
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'https://cloud.campus.edu' }).SMTP_URL).toBe('smtp://127.0.0.1:25');
    expect(() => loadConfig({ SMTP_URL: 'http://mail' , PUBLIC_URL: 'https://x.y' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ REQUIRE_2FA_FOR_ADMINS: 'true' })).toThrow(/TOTP_ENCRYPTION_KEY: required/);
    expect(() => loadConfig({ TOTP_ENCRYPTION_KEY: 'too-short' })).toThrow(/TOTP_ENCRYPTION_KEY/);
  });
  it('reads the TOTP key from a file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'totp.key'), `${'ab'.repeat(32)}\n`);
    const c = loadConfig({ TOTP_ENCRYPTION_KEY_FILE: path.join(dir, 'totp.key'), REQUIRE_2FA_FOR_ADMINS: 'true' });
    expect(c.TOTP_ENCRYPTION_KEY).toBe('ab'.repeat(32));
    expect(c.REQUIRE_2FA_FOR_ADMINS).toBe(true);
  });
});

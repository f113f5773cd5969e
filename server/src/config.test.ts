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
});

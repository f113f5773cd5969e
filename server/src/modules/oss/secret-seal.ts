import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { config } from '../../config.js';

// Users' S3 secret keys must be readable by the gateway (SigV4 is an HMAC: verifying needs the
// secret itself), so they are kept sealed with AES-256-GCM under a key that lives only in a
// file (OSS_SEAL_KEY_FILE, mode 0600, created on first use), never in the database. A copy of
// the database alone reveals no secret.

let key: Buffer | undefined;

function sealKey(): Buffer {
  if (key) return key;
  let hex: string;
  try {
    hex = readFileSync(config.OSS_SEAL_KEY_FILE, 'utf8').trim();
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
    mkdirSync(dirname(config.OSS_SEAL_KEY_FILE), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(config.OSS_SEAL_KEY_FILE, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (w) {
      if (!(w instanceof Error && 'code' in w && w.code === 'EEXIST')) throw w;
    }
    hex = readFileSync(config.OSS_SEAL_KEY_FILE, 'utf8').trim();
  }
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${config.OSS_SEAL_KEY_FILE} must hold 64 hex digits (a 256-bit key)`);
  key = Buffer.from(hex, 'hex');
  return key;
}

export function seal(plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(), iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
}

export function unseal(sealed: string): string {
  if (!sealed.startsWith('v1:')) throw new Error('unknown sealed-secret format');
  const raw = Buffer.from(sealed.slice(3), 'base64');
  const d = createDecipheriv('aes-256-gcm', sealKey(), raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}

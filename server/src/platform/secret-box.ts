import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

// Secrets the platform must read back (TOTP seeds) are sealed with AES-256-GCM under a key
// from config, so a copy of the database alone does not give them away. Values it only
// compares (recovery codes) are keyed hashes under a second key derived from the same one.
// Sealed form: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), the key id being the first
// 8 hex digits of the key's SHA-256, so a value sealed under another key is named as such.

export function parseKey(value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32) throw new Error('the key must be 32 bytes (64 hex digits or base64)');
  return key;
}

export class SecretBox {
  private readonly sealKey: Buffer;
  private readonly hashKey: Buffer;
  readonly keyId: string;

  constructor(key: Buffer, purpose: string) {
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
    // Separate subkeys per purpose and use: the same key never encrypts and hashes.
    this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `${purpose}:seal`, 32));
    this.hashKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `${purpose}:hash`, 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
    if (keyId !== this.keyId) throw new Error(`sealed under another key (id ${keyId}, this key is ${this.keyId})`);
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** HMAC-SHA256, hex: for values compared, never read back. */
  hash(value: string): string {
    return createHmac('sha256', this.hashKey).update(value).digest('hex');
  }
}

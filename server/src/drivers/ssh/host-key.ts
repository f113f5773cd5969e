import { createHash } from 'node:crypto';
import { UnsafeValueError } from '../driver-errors.js';

// Host keys are pinned by their SHA256 fingerprint in OpenSSH's notation
// ("SHA256:" + unpadded base64 of the SHA-256 of the key blob), the string `ssh-keygen -lf`
// and `ssh` print, so an admin can compare it by eye.

/** The OpenSSH SHA256 fingerprint of a public key blob (the wire encoding of the key). */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of an authorized_keys / known_hosts style line: "ssh-ed25519 AAAA... [comment]". */
export function fingerprintOfPublicKeyLine(line: string): string {
  const [, base64] = line.trim().split(/\s+/);
  if (!base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new UnsafeValueError('public key', line, 'it must look like "ssh-ed25519 AAAA... [comment]"');
  }
  return fingerprintSha256(Buffer.from(base64, 'base64'));
}

/** Accepts "SHA256:abc", "abc" or padded base64; returns "SHA256:abc" (unpadded), or throws. */
export function normalizeFingerprint(value: string): string {
  const body = value.trim().replace(/^SHA256:/, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(body)) {
    throw new UnsafeValueError('host key fingerprint', value, 'it must be a SHA256 fingerprint like "SHA256:" followed by 43 base64 characters');
  }
  return `SHA256:${body}`;
}

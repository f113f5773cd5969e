import { createHash } from 'node:crypto';

// One OpenSSH public key line ("ssh-ed25519 AAAA… comment") read the way sshd reads it: the
// base64 blob starts with the key type again (length-prefixed), then the key's own fields.
// Only what a VM should trust is accepted: ed25519, ECDSA on the NIST curves, RSA of 2048 bits
// or more. The fingerprint is OpenSSH's: SHA256 of the blob, unpadded base64.

export interface ParsedKey {
  type: string;
  bits: number;
  /** "type base64 [comment]" with the whitespace normalised. */
  line: string;
  fingerprint: string;
  comment: string | null;
}

export class KeyFormatError extends Error {}

const MIN_RSA_BITS = 2048;
const ECDSA_BITS: Record<string, number> = { 'ecdsa-sha2-nistp256': 256, 'ecdsa-sha2-nistp384': 384, 'ecdsa-sha2-nistp521': 521 };

/** Reads the blob's length-prefixed fields (uint32 big-endian length, then the bytes). */
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new KeyFormatError('the key data is cut short');
    const len = blob.readUInt32BE(at);
    at += 4;
    if (at + len > blob.length) throw new KeyFormatError('the key data is cut short');
    out.push(blob.subarray(at, at + len));
    at += len;
  }
  return out;
}

/** Bits of an SSH mpint (big-endian, a leading zero byte only to keep it positive). */
function mpintBits(n: Buffer): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}

export function parseOpenSshKey(text: string): ParsedKey {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2) throw new KeyFormatError('one OpenSSH public key line: "ssh-ed25519 AAAA… comment"');
  const [type, data] = parts as [string, string];
  const comment = parts.slice(2).join(' ') || null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new KeyFormatError('the key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const f = fields(blob);
  if (f[0]?.toString('latin1') !== type) throw new KeyFormatError(`the key data is not a ${type} key`);
  let bits: number;
  if (type === 'ssh-ed25519') {
    if (f.length !== 2 || f[1]!.length !== 32) throw new KeyFormatError('not a valid ed25519 key');
    bits = 256;
  } else if (type in ECDSA_BITS) {
    const curve = type.slice('ecdsa-sha2-'.length);
    if (f.length !== 3 || f[1]!.toString('latin1') !== curve || f[2]![0] !== 4) throw new KeyFormatError(`not a valid ${curve} key`);
    bits = ECDSA_BITS[type]!;
  } else if (type === 'ssh-rsa') {
    if (f.length !== 3) throw new KeyFormatError('not a valid RSA key');
    bits = mpintBits(f[2]!);
    if (bits < MIN_RSA_BITS) throw new KeyFormatError(`an RSA key needs at least ${MIN_RSA_BITS} bits; this one has ${bits}`);
  } else {
    throw new KeyFormatError(`keys of type ${type} are not accepted: use ed25519, ecdsa or rsa (2048 bits or more)`);
  }
  if (comment && /[\u0000-\u001f\u007f]/.test(comment)) throw new KeyFormatError('the comment has control characters');
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { type, bits, line: [type, data, ...(comment ? [comment] : [])].join(' '), fingerprint, comment };
}

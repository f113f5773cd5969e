import { createHash } from 'node:crypto';
import { UnsafeValueError } from '../driver-errors.js';

// The two files of a NoCloud seed (cloud-init's datasource read from a volume labelled
// `cidata`): meta-data (instance-id, local-hostname) and user-data (#cloud-config). Values are
// validated, then written as JSON strings, which are valid YAML double-quoted scalars. Anything
// outside printable ASCII is escaped too (\uXXXX, or YAML's \UXXXXXXXX beyond the BMP), so
// neither YAML 1.1's extra line breaks (U+0085, U+2028, U+2029) nor a BOM can reach the file raw.

export interface NoCloudSeed {
  hostname: string;
  /** cloud-init runs its per-instance modules again when this changes. */
  instanceId: string;
  sshAuthorizedKeys: readonly string[];
}

export interface SeedFiles {
  metaData: string;
  userData: string;
  /** Short content hash, recorded in the ISO's application id to recognise an identical seed. */
  digest: string;
}

// Dot-separated labels of 1-63 of a-z, 0-9 and "-", not starting with "-". (RFC 1123 also
// forbids a trailing "-"; Linux accepts it, and the VM name rules allow it, so the driver does.)
const LABEL = /^[a-z0-9][a-z0-9-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// One OpenSSH public key line: type, base64 blob, optional comment (one line: no CR, LF or NUL).
const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n\0]{1,256})?$/;
// A UTF-16 surrogate without its partner (not a character; YAML cannot carry it).
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function assertHostname(value: string): string {
  const ok = typeof value === 'string' && value.length <= 253 && value.split('.').every((l) => LABEL.test(l));
  if (!ok) throw new UnsafeValueError('hostname', String(value), 'a hostname is dot-separated labels of 1-63 of a-z, 0-9 and "-", not starting with "-"');
  return value;
}

/** A YAML double-quoted scalar: JSON's quoting, with everything beyond printable ASCII escaped. */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

export function buildSeedFiles({ hostname, instanceId, sshAuthorizedKeys }: NoCloudSeed): SeedFiles {
  assertHostname(hostname);
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
    throw new UnsafeValueError('instance id', String(instanceId), 'an instance id is 1-128 of A-Z, a-z, 0-9, ".", "_", ":" and "-"');
  }
  if (sshAuthorizedKeys.length > 100) throw new UnsafeValueError('SSH key list', `${sshAuthorizedKeys.length} keys`, 'at most 100 keys');
  const keys = sshAuthorizedKeys.map((k) => k.trim());
  for (const key of keys) {
    if (!SSH_KEY.test(key) || LONE_SURROGATE.test(key)) throw new UnsafeValueError('SSH public key', key, 'it must be one OpenSSH public key line ("TYPE BASE64 [comment]")');
  }
  const metaData = `instance-id: ${yamlString(instanceId)}\nlocal-hostname: ${yamlString(hostname)}\n`;
  const userData = [
    '#cloud-config',
    `hostname: ${yamlString(hostname)}`,
    keys.length === 0 ? 'ssh_authorized_keys: []' : 'ssh_authorized_keys:',
    ...keys.map((k) => `  - ${yamlString(k)}`),
    '',
  ].join('\n');
  const digest = createHash('sha256').update(metaData).update('\0').update(userData).digest('hex').slice(0, 32);
  return { metaData, userData, digest };
}

/** The ISO application id that marks a seed built from these files. */
export const seedApplicationId = (files: SeedFiles) => `cc-seed-${files.digest}`;

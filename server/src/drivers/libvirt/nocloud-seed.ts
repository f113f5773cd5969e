import { createHash } from 'node:crypto';
import { UnsafeValueError } from '../driver-errors.js';

// The two files of a NoCloud seed (cloud-init's datasource read from a volume labelled
// `cidata`): meta-data (instance-id, local-hostname) and user-data (#cloud-config). Values are
// validated, then written as JSON strings, which are valid YAML double-quoted scalars; every
// value is printable ASCII, so JSON's escapes (\" and \\) are the only ones that can occur.

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

// RFC 1123 host name: dot-separated labels of a-z, 0-9 and "-", not starting or ending with "-".
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// One OpenSSH public key line: type, base64 blob, optional comment of printable ASCII.
const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\x20-\x7e]{1,256})?$/;

export function assertHostname(value: string): string {
  const ok = typeof value === 'string' && value.length <= 253 && value.split('.').every((l) => LABEL.test(l));
  if (!ok) throw new UnsafeValueError('hostname', String(value), 'a hostname is dot-separated labels of 1-63 of a-z, 0-9 and "-", not starting or ending with "-"');
  return value;
}

const yamlString = (value: string) => JSON.stringify(value);

export function buildSeedFiles({ hostname, instanceId, sshAuthorizedKeys }: NoCloudSeed): SeedFiles {
  assertHostname(hostname);
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
    throw new UnsafeValueError('instance id', String(instanceId), 'an instance id is 1-128 of A-Z, a-z, 0-9, ".", "_", ":" and "-"');
  }
  if (sshAuthorizedKeys.length > 100) throw new UnsafeValueError('SSH key list', `${sshAuthorizedKeys.length} keys`, 'at most 100 keys');
  const keys = sshAuthorizedKeys.map((k) => k.trim());
  for (const key of keys) {
    if (!SSH_KEY.test(key)) throw new UnsafeValueError('SSH public key', key, 'it must be one OpenSSH public key line ("TYPE BASE64 [comment]", printable ASCII)');
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

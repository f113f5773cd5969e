import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { fingerprintSha256 } from './host-key.js';

// The platform's own SSH identity: one ed25519 key pair in a file named by config
// (SSH_KEY_FILE). The admin installs the public half on a host before registering it. The
// private key lives only in that file (mode 0600), never in the database.

export interface SshIdentity {
  privateKey: Buffer;
  /** The authorized_keys line: "ssh-ed25519 AAAA... campus-cloud". */
  publicKey: string;
  /** OpenSSH SHA256 fingerprint of the public key. */
  fingerprint: string;
}

const COMMENT = 'campus-cloud';

const isMissing = (e: unknown) => e instanceof Error && 'code' in e && e.code === 'ENOENT';
const isExisting = (e: unknown) => e instanceof Error && 'code' in e && e.code === 'EEXIST';

/**
 * A new ed25519 key pair in OpenSSH format. ssh2's generator now and then (about 6 in 1,000
 * here) writes a private key its own parser refuses ("Malformed OpenSSH private key"): such a
 * key is never handed out; another is made.
 */
export function generateSshKeyPair(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

/** Loads the key at `keyFile`, creating it (and `<keyFile>.pub`) first when absent. */
export async function ensureIdentity(keyFile: string): Promise<SshIdentity> {
  let privateKey = await readFile(keyFile).catch((e: unknown) => {
    if (isMissing(e)) return undefined;
    throw e;
  });
  if (!privateKey) {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    const pair = generateSshKeyPair(COMMENT);
    // 'wx': if another instance created the key meanwhile, keep theirs and read it below.
    await writeFile(keyFile, pair.private, { mode: 0o600, flag: 'wx' }).catch((e: unknown) => {
      if (!isExisting(e)) throw e;
    });
    privateKey = await readFile(keyFile);
  }
  const identity = identityFromPrivateKey(privateKey, keyFile);
  await writeFile(`${keyFile}.pub`, `${identity.publicKey}\n`, { mode: 0o644, flag: 'wx' }).catch((e: unknown) => {
    if (!isExisting(e)) throw e;
  });
  return identity;
}

/** Derives the public key line and fingerprint from an OpenSSH private key. */
export function identityFromPrivateKey(privateKey: Buffer, source = 'the key'): SshIdentity {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new Error(`Could not read the platform SSH key in ${source}: ${key instanceof Error ? key.message : 'no key found'}`);
  }
  const blob = key.getPublicSSH();
  return {
    privateKey,
    publicKey: `${key.type} ${blob.toString('base64')} ${key.comment || COMMENT}`,
    fingerprint: fingerprintSha256(blob),
  };
}

import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import { config } from '../../config.js';
import { fingerprintSha256 } from '../../drivers/ssh/host-key.js';
import { ensureIdentity, type SshIdentity } from '../../drivers/ssh/ssh-identity.js';
import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { isDuplicate } from './tunnel-store.js';

// Users' SSH public keys for the tunnel gateway (Profile -> Tunnel keys). A key is the whole
// credential at the gateway: its fingerprint is unique, so it names one user.

const MAX_KEYS = 20;
const ALLOWED_TYPES = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);

interface KeyRow { id: string; name: string; publicKey: string; fingerprint: string; createdAt: Date; lastUsedAt: Date | null }

const toDto = (k: KeyRow) => ({
  id: k.id, name: k.name, type: k.publicKey.split(' ')[0] ?? '', fingerprint: k.fingerprint,
  createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

/** Reads one authorized_keys-style line; the normalised line and its fingerprint. */
export function parsePublicKey(line: string): { type: string; publicKey: string; fingerprint: string } {
  const bad = (why: string) => errors.validation([{ path: 'publicKey', message: why }], 'body');
  if (/PRIVATE KEY/.test(line)) throw bad('This is a private key: paste the public one (the .pub file), and keep the private key secret.');
  if (/[\r\n]/.test(line.trim())) throw bad('Paste one key on one line (the contents of id_ed25519.pub).');
  const parsed = ssh2.utils.parseKey(line);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw bad('Not an SSH public key: paste a line like "ssh-ed25519 AAAA... you@laptop".');
  if (!ALLOWED_TYPES.has(key.type)) throw bad(`Key type ${key.type} is not accepted; use ssh-ed25519 (ssh-keygen -t ed25519).`);
  const blob = key.getPublicSSH();
  return { type: key.type, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprintSha256(blob) };
}

export async function addTunnelKey(userId: string, name: string, line: string) {
  const k = parsePublicKey(line);
  if ((await db.tunnelKey.count({ where: { userId } })) >= MAX_KEYS) throw errors.conflict(`You have ${MAX_KEYS} tunnel keys already; remove one first.`);
  try {
    return toDto(await db.tunnelKey.create({ data: { id: randomUUID(), userId, name, publicKey: k.publicKey, fingerprint: k.fingerprint } }));
  } catch (e) {
    if (isDuplicate(e)) throw errors.conflict('This key is registered already (keys are personal: make a new one with ssh-keygen -t ed25519).');
    throw e;
  }
}

export async function listTunnelKeys(userId: string) {
  return (await db.tunnelKey.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } })).map(toDto);
}

export async function removeTunnelKey(userId: string, id: string): Promise<void> {
  const gone = await db.tunnelKey.deleteMany({ where: { id, userId } });
  if (gone.count === 0) throw errors.notFound('Tunnel key');
}

/** The key's owner when the key is registered and its owner may open tunnels now. */
export async function keyOwner(fingerprint: string) {
  const k = await db.tunnelKey.findUnique({ where: { fingerprint }, include: { user: { select: { id: true, status: true, trialEndsAt: true } } } });
  if (!k || k.user.status !== 'active' || (k.user.trialEndsAt && k.user.trialEndsAt.getTime() <= Date.now())) return null;
  return { keyId: k.id, userId: k.userId, publicKey: k.publicKey };
}

export const touchKey = (id: string) => db.tunnelKey.update({ where: { id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);

let hostKey: Promise<SshIdentity> | undefined;
/** The gateway's own host key (created on first start), shown to users as a fingerprint. */
export const gatewayHostKey = (): Promise<SshIdentity> => (hostKey ??= ensureIdentity(config.TUNNEL_HOST_KEY_FILE));

export async function gatewayInfo() {
  const fingerprint = config.TUNNEL_GATEWAY_PORT ? (await gatewayHostKey()).fingerprint : null;
  return { host: config.TUNNEL_PUBLIC_HOST, port: config.TUNNEL_GATEWAY_PORT, fingerprint, appsDomain: config.APPS_DOMAIN, appsPort: config.APPS_PORT };
}

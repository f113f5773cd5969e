import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { config } from '../../config.js';
import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { isAppError } from '../../platform/errors.js';
import { nameFromHost, nameProblem } from './tunnel-names.js';
import { deleteTunnelRow } from './tunnel-store.js';
import { assertMayOpen, openWithPort } from './tunnels.service.js';
import { userRange } from './tunnel-ports.js';

// frps's server-plugin protocol (frp doc/server_plugin.md) for sites that run frps: frps POSTs
// {version, op, content} to /api/frp/plugin?version=0.1.0&op=<op>; the answer is
// {reject, reject_reason} or {reject:false, unchange:true} or {unchange:false, content}.
// frpc logs in with `user = <user id>` and `metadatas.token = <the user's tunnel token>`; every
// later request carries both under content.user. NewProxy gets the same rules as the
// platform's own tunnels: ports from the user's block, names under APPS_DOMAIN, the quota;
// the proxy is a row in the same tunnels list until CloseProxy.

const Metas = z.record(z.string(), z.string()).nullish();
const UserInfo = z.object({ user: z.string().max(128).default(''), metas: Metas, run_id: z.string().max(128).optional() }).passthrough();

export const FrpPluginQuery = z.object({ version: z.string().max(16).optional(), op: z.enum(['Login', 'NewProxy', 'CloseProxy', 'Ping', 'NewWorkConn', 'NewUserConn']) });
export const FrpPluginBody = z.object({
  version: z.string().max(16).optional(),
  op: z.string().max(32).optional(),
  content: z.record(z.string(), z.unknown()),
});
const LoginContent = z.object({ user: z.string().max(128).default(''), metas: Metas, client_address: z.string().max(128).optional(), run_id: z.string().max(128).optional() }).passthrough();
const NewProxyContent = z.object({
  user: UserInfo,
  proxy_name: z.string().min(1).max(128),
  proxy_type: z.string().max(16),
  remote_port: z.number().int().min(0).max(65535).optional(),
  subdomain: z.string().max(63).optional(),
  custom_domains: z.array(z.string().max(253)).max(10).nullish(),
}).passthrough();
const UserContent = z.object({ user: UserInfo, proxy_name: z.string().max(128).optional() }).passthrough();

export const FrpPluginAnswer = z.object({ reject: z.boolean().optional(), reject_reason: z.string().optional(), unchange: z.boolean().optional(), content: z.record(z.string(), z.unknown()).optional() });
type Answer = z.infer<typeof FrpPluginAnswer>;

const allow: Answer = { reject: false, unchange: true };
const refuse = (reason: string): Answer => ({ reject: true, reject_reason: reason });

let tokenKey: Promise<Buffer> | undefined;
/** The key the users' tunnel tokens are derived from (made on first use, kept beside the gateway's host key). */
function frpTokenKey(): Promise<Buffer> {
  return (tokenKey ??= (async () => {
    const file = join(dirname(config.TUNNEL_HOST_KEY_FILE), 'frp-token.key');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' }).catch((e: unknown) => {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    });
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
  })());
}

/** A user's tunnel token for frpc (derived, so it is never stored). */
export async function tunnelToken(userId: string): Promise<string> {
  return createHmac('sha256', await frpTokenKey()).update(`frp:${userId}`).digest('base64url');
}

async function caller(user: string, metas: Record<string, string> | null | undefined): Promise<string | Answer> {
  const token = metas?.token ?? '';
  if (!/^[0-9a-f-]{36}$/.test(user) || !token) return refuse('set user = "<your user id>" and metadatas.token = "<your tunnel token>" (download frpc.toml from the Tunnels page)');
  const expected = Buffer.from(await tunnelToken(user));
  const given = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('invalid user or token');
  try {
    await assertMayOpen(user);
  } catch (e) {
    return refuse(isAppError(e) ? e.message : 'this account may not open tunnels');
  }
  return user;
}

async function newProxy(c: z.infer<typeof NewProxyContent>): Promise<Answer> {
  const who = await caller(c.user.user, c.user.metas);
  if (typeof who !== 'string') return who;
  const base = { kind: 'frp' as const, state: 'active' as const, frpProxyName: c.proxy_name, bandwidthLimit: 0 };
  // frpc re-registers its proxies after a reconnect: the old row gives way to the new one.
  const old = await db.tunnel.findUnique({ where: { ownerId_frpProxyName: { ownerId: who, frpProxyName: c.proxy_name } }, select: { id: true } });
  if (old) await deleteTunnelRow(old.id);
  try {
    if (c.proxy_type === 'tcp' || c.proxy_type === 'udp') {
      const row = await openWithPort(who, base, c.remote_port ? c.remote_port : undefined);
      await recordProxy(row.id, who, c);
      return c.remote_port ? allow : { unchange: false, content: { ...c, remote_port: row.port } };
    }
    if (c.proxy_type === 'http' || c.proxy_type === 'https') {
      const domains = c.custom_domains ?? [];
      const fromDomains = domains.map((d) => nameFromHost(d, config.APPS_DOMAIN));
      if (fromDomains.some((n) => !n)) return refuse(`custom domains must be <name>.${config.APPS_DOMAIN}; or set subdomain = "<name>"`);
      const names = [...new Set([...(c.subdomain ? [c.subdomain] : []), ...fromDomains as string[]])];
      if (names.length !== 1) return refuse('give exactly one name: subdomain = "<name>"');
      const name = names[0]!;
      const problem = nameProblem(name);
      if (problem) return refuse(problem);
      const taken = await db.tunnel.findUnique({ where: { name }, select: { id: true } });
      if (taken) return refuse(`the name "${name}" is taken; choose another`);
      const row = await openWithPort(who, { ...base, name });
      await recordProxy(row.id, who, c);
      return allow;
    }
    return refuse(`proxy type ${c.proxy_type} is not offered here; use tcp, udp, http or https`);
  } catch (e) {
    if (isAppError(e)) return refuse(e.message);
    throw e;
  }
}

const recordProxy = (id: string, ownerId: string, c: z.infer<typeof NewProxyContent>) =>
  auditSystemAction({ action: 'tunnel.frp.open', targetType: 'tunnel', targetId: id, actorId: ownerId, details: { proxy: c.proxy_name, type: c.proxy_type, remotePort: c.remote_port, subdomain: c.subdomain } });

function parsed<T extends z.ZodType>(schema: T, content: unknown): z.output<T> | Answer {
  const r = schema.safeParse(content);
  return r.success ? r.data : refuse(`malformed ${r.error.issues.map((i) => i.path.join('.') || 'content').join(', ')}`);
}
const isAnswer = (v: unknown): v is Answer => typeof v === 'object' && v !== null && ('reject' in v || 'unchange' in v);

export async function handleFrpPlugin(op: z.infer<typeof FrpPluginQuery>['op'], content: unknown): Promise<Answer> {
  if (op === 'Login') {
    const c = parsed(LoginContent, content);
    if (isAnswer(c)) return c;
    const who = await caller(c.user, c.metas);
    return typeof who === 'string' ? allow : who;
  }
  if (op === 'NewProxy') {
    const c = parsed(NewProxyContent, content);
    return isAnswer(c) ? c : newProxy(c);
  }
  const c = parsed(UserContent, content);
  if (isAnswer(c)) return c;
  const who = await caller(c.user.user, c.user.metas);
  if (typeof who !== 'string') return who;
  if (op === 'CloseProxy' && c.proxy_name) {
    const row = await db.tunnel.findUnique({ where: { ownerId_frpProxyName: { ownerId: who, frpProxyName: c.proxy_name } }, select: { id: true } });
    if (row && (await deleteTunnelRow(row.id))) await auditSystemAction({ action: 'tunnel.frp.close', targetType: 'tunnel', targetId: row.id, actorId: who, details: { proxy: c.proxy_name } });
  }
  return allow;
}

const toml = (v: string) => JSON.stringify(v);

/** A ready frpc.toml: the site's frps, the user's token, their proxies (or an example). */
export async function frpcToml(userId: string): Promise<string> {
  const [token, range, proxies] = await Promise.all([tunnelToken(userId), userRange(userId), db.tunnel.findMany({ where: { ownerId: userId, kind: 'frp' }, orderBy: { createdAt: 'asc' } })]);
  const lines = [
    '# frpc configuration for Campus Cloud (frp 0.52 or later).',
    `# Your ports: ${range.start}-${range.end}; HTTP names: <name>.${config.APPS_DOMAIN}.`,
    `serverAddr = ${toml(config.FRP_SERVER_ADDR)}`,
    `serverPort = ${config.FRP_SERVER_PORT}`,
    `user = ${toml(userId)}`,
    `metadatas.token = ${toml(token)}`,
    '',
  ];
  const proxy = (name: string, type: string, extra: string) => ['[[proxies]]', `name = ${toml(name)}`, `type = ${toml(type)}`, 'localIP = "127.0.0.1"', 'localPort = 8080', extra, ''];
  for (const p of proxies) {
    const name = (p.frpProxyName ?? p.id).replace(new RegExp(`^${userId}\\.`), '');
    lines.push(...proxy(name, p.name ? 'http' : 'tcp', p.name ? `subdomain = ${toml(p.name)}` : `remotePort = ${p.port}`));
  }
  if (proxies.length === 0) lines.push(...proxy('web', 'tcp', `remotePort = ${range.start}`));
  return lines.join('\n');
}

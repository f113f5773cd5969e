import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setConfig } from '../../../test/harness.js';
import type { Client } from '../../../test/harness.js';

// Real sockets for tunnel tests: a local HTTP server (the "laptop" service), a key made by
// ssh-keygen, and the Debian OpenSSH client running `ssh -N -R ...` against the gateway.

const run = promisify(execFile);

export interface LocalServer { port: number; close(): Promise<void> }

export async function localServer(handler: http.RequestListener = (_req, res) => { res.end('hello from the laptop'); }): Promise<LocalServer & { server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-tunnels-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** An ed25519 key pair made by ssh-keygen: the private key's path and the public line. */
export async function sshKey(dir: string, name = 'id'): Promise<{ file: string; pub: string }> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@laptop`, '-f', file]);
  return { file, pub: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

/** Tunnel settings for a test: loopback only, a port pool unlikely to meet other tests'. */
export function tunnelTestConfig(dir: string, extra: Parameters<typeof setConfig>[0] = {}): () => void {
  const base = 42000 + Math.floor(Math.random() * 200) * 50;
  return setConfig({
    TUNNEL_BIND_HOST: '127.0.0.1', TUNNEL_PUBLIC_HOST: '127.0.0.1', TUNNEL_HOST_KEY_FILE: path.join(dir, 'host_ed25519'),
    TUNNEL_PORT_MIN: base, TUNNEL_PORT_MAX: base + 499, TUNNEL_PORTS_PER_USER: 10, ...extra,
  });
}

export interface SshTunnel {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** The port OpenSSH reports for a `-R 0:...` forward. */
  allocated(): Promise<number>;
  stop(): void;
}

/** `ssh -N -R <spec> -p <gatewayPort> tunnel@127.0.0.1` with the given key; nothing read from ~/.ssh. */
export function sshR(gatewayPort: number, keyFile: string, specs: string[], opts: { session?: boolean } = {}): SshTunnel {
  const args = [
    '-F', '/dev/null', '-i', keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes', '-o', 'ServerAliveInterval=5', '-o', 'LogLevel=INFO', '-p', String(gatewayPort),
    ...(opts.session ? ['-T'] : ['-N']), ...specs.flatMap((s) => ['-R', s]), 'tunnel@127.0.0.1',
  ];
  const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child, exited,
    stderr: () => err + out,
    allocated: () => waitFor(() => { const m = /Allocated port (\d+)/.exec(err); return m ? Number(m[1]) : undefined; }, () => `no port allocated; ssh said: ${err}`),
    stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); },
  };
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, why: () => string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(why());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET through a published port or name (node:http, since fetch will not send a Host header); the body, or the error's code. */
export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? String(e) }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? String(e) }));
  });
}

export async function addKey(user: Client, pub: string, name = 'laptop') {
  const r = await user.post('/api/me/tunnel-keys', { name, publicKey: pub });
  if (r.status !== 201) throw new Error(`key not added: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; fingerprint: string };
}

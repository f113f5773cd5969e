// Tunnels benchmark, one run, ratios of paths measured side by side (interleaved rounds, median):
//  1. Reverse tunnel (stock OpenSSH `ssh -N -R` -> the platform's ssh2 gateway -> the public
//     port) vs a direct connection to the same local server: throughput of one stream, of 100
//     concurrent streams, and round-trip latency of small messages; for each cipher OpenSSH
//     can pick, and for the one it picks by default against the gateway.
//  2. HTTP front: requests/s by name (Host: <name>.<APPS_DOMAIN>) vs straight to the tunnel's
//     port vs straight to the local server.
//  3. `ssh -R` started -> the published port answers: time.
//   bash scripts/bench/run.sh tunnels [--mib 64] [--rounds 3] [--seconds 5]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiClient, startBenchServer } from './bench-server.js';

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || dflt;
const MiB = 1024 ** 2;
const SIZE = arg('mib', 64) * MiB;
const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 5);
const STREAMS = 100;
const PORT = 3931, GATEWAY = 3932, FRONT = 3933;

const dir = mkdtempSync(path.join(tmpdir(), 'cc-bench-tunnels-'));
const bench = await startBenchServer('campus_bench_tunnels', {
  ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:6379/12', REDIS_PREFIX: 'ccbenchtun:',
  HOST: '127.0.0.1', PORT: String(PORT), OSS_GATEWAY_PORT: '0', TUNNEL_GATEWAY_PORT: String(GATEWAY), APPS_PORT: String(FRONT),
  TUNNEL_BIND_HOST: '127.0.0.1', TUNNEL_PUBLIC_HOST: '127.0.0.1', TUNNEL_HOST_KEY_FILE: path.join(dir, 'host_ed25519'),
  TUNNEL_PORT_MIN: '43000', TUNNEL_PORT_MAX: '43999', TRIAL_QUOTA_TUNNELS: '10', TUNNEL_MAX_CONNECTIONS: '200',
});
const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const listen = async (s: net.Server) => { servers.push(s); await new Promise<void>((r) => s.listen(0, '127.0.0.1', r)); return (s.address() as net.AddressInfo).port; };

try {
  const api = apiClient(bench.base);
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'correct horse battery', displayName: 'Bench' });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  await api('POST', '/api/me/tunnel-keys', { name: 'bench', publicKey: readFileSync(path.join(dir, 'id.pub'), 'utf8').trim() });

  // The "laptop": a blob server (writes `n` bytes, n read as the first 8 bytes), an echo server, an HTTP server.
  const chunk = Buffer.alloc(256 * 1024, 7);
  const blobPort = await listen(net.createServer((s) => {
    s.once('data', (head: Buffer) => {
      let left = Number(head.readBigUInt64BE(0));
      const write = () => { while (left > 0) { const n = Math.min(left, chunk.length); left -= n; if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) { s.once('drain', write); return; } } s.end(); };
      write();
    });
    s.on('error', () => s.destroy());
  }));
  const echoPort = await listen(net.createServer((s) => { s.pipe(s); s.on('error', () => s.destroy()); }));
  const web = http.createServer((_req, res) => res.end('hello'));
  const webPort = await listen(web as unknown as net.Server);

  function ssh(specs: string[], cipher?: string): { child: ChildProcess; err: () => string } {
    const child = spawn('ssh', ['-F', '/dev/null', '-i', path.join(dir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=INFO', '-v', ...(cipher ? ['-c', cipher] : []), '-p', String(GATEWAY), '-N', ...specs.flatMap((s) => ['-R', s]), 'tunnel@127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    return { child, err: () => err };
  }
  async function allocated(t: { err: () => string }, n: number): Promise<number[]> {
    for (let i = 0; i < 300; i++) {
      const ports = [...t.err().matchAll(/Allocated port (\d+)/g)].map((m) => Number(m[1]));
      if (ports.length >= n) return ports;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ports: ${t.err()}`);
  }
  const stop = async (c: ChildProcess) => { c.kill('SIGTERM'); await new Promise((r) => c.once('exit', r)); };

  function download(port: number, bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => { const h = Buffer.alloc(8); h.writeBigUInt64BE(BigInt(bytes)); s.write(h); });
      let got = 0;
      s.on('data', (d: Buffer) => { got += d.length; });
      s.on('end', () => (got === bytes ? resolve() : reject(new Error(`got ${got} of ${bytes}`))));
      s.on('error', reject);
    });
  }
  async function throughput(port: number, streams: number, bytes: number): Promise<number> {
    const t = performance.now();
    await Promise.all(Array.from({ length: streams }, () => download(port, bytes)));
    return (streams * bytes) / MiB / ((performance.now() - t) / 1000);
  }
  async function rtt(port: number, n = 300): Promise<number> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.setNoDelay(true);
    const msg = Buffer.alloc(64, 1);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await new Promise<void>((r) => { let got = 0; const on = (d: Buffer) => { got += d.length; if (got >= msg.length) { s.off('data', on); r(); } }; s.on('data', on); s.write(msg); });
      times.push(performance.now() - t);
    }
    s.destroy();
    return median(times);
  }

  // 1. Ciphers: one stream each, then the rest with OpenSSH's own choice.
  console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores`);
  console.log(`reverse tunnel vs direct, ${SIZE / MiB} MiB per stream, ${ROUNDS} rounds (median)`);
  // The gateway offers AES-GCM only (tunnel-gateway.ts says why); others are refused at the handshake.
const ciphers = ['(default)', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];
  const directOne: number[] = [];
  for (const c of ciphers) {
    const t = ssh([`0:127.0.0.1:${blobPort}`], c === '(default)' ? undefined : c);
    const [port] = await allocated(t, 1);
    const through: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      directOne.push(await throughput(blobPort, 1, SIZE));
      through.push(await throughput(port!, 1, SIZE));
    }
    const chosen = /server->client cipher: ([^ ]+)/.exec(t.err())?.[1];
    console.log(`  one stream, ${c.padEnd(30)} ${median(through).toFixed(0).padStart(5)} MiB/s  vs direct ${median(directOne).toFixed(0)} MiB/s  ratio ${(median(through) / median(directOne)).toFixed(2)}${chosen ? ` (${chosen})` : ''}`);
    await stop(t.child);
  }

  const started = performance.now();
  const main = ssh([`0:127.0.0.1:${blobPort}`, `0:127.0.0.1:${echoPort}`, `benchweb:80:127.0.0.1:${webPort}`, `0:127.0.0.1:${webPort}`]);
  const [tBlob, tEcho, tWeb] = await allocated(main, 3);
  for (;;) { try { await rtt(tEcho!, 1); break; } catch { await new Promise((r) => setTimeout(r, 20)); } }
  console.log(`  ssh -R started -> published port answers: ${(performance.now() - started).toFixed(0)} ms`);

  const each = Math.max(MiB, Math.floor(SIZE / STREAMS));
  const d100: number[] = [], t100: number[] = [];
  for (let r = 0; r < ROUNDS; r++) { d100.push(await throughput(blobPort, STREAMS, each)); t100.push(await throughput(tBlob!, STREAMS, each)); }
  console.log(`  ${STREAMS} streams x ${(each / MiB).toFixed(1)} MiB: tunnel ${median(t100).toFixed(0)} MiB/s vs direct ${median(d100).toFixed(0)} MiB/s  ratio ${(median(t100) / median(d100)).toFixed(2)}`);
  const dr: number[] = [], tr: number[] = [];
  for (let r = 0; r < ROUNDS; r++) { dr.push(await rtt(echoPort)); tr.push(await rtt(tEcho!)); }
  console.log(`  round trip (64 B): tunnel ${(median(tr) * 1000).toFixed(0)} µs vs direct ${(median(dr) * 1000).toFixed(0)} µs  (+${((median(tr) - median(dr)) * 1000).toFixed(0)} µs)`);

  // 2. HTTP front.
  async function rps(port: number, host: string): Promise<number> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const until = performance.now() + SECONDS * 1000;
    let n = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        await new Promise<void>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (res) => { res.resume(); res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)))); }).on('error', reject);
        });
        n++;
      }
    }));
    agent.destroy();
    return n / SECONDS;
  }
  const name = 'benchweb.apps.localhost';
  const rd: number[] = [], rp: number[] = [], rf: number[] = [];
  for (let r = 0; r < ROUNDS; r++) { rd.push(await rps(webPort, 'x')); rp.push(await rps(tWeb!, 'x')); rf.push(await rps(FRONT, name)); }
  console.log(`HTTP, 32 keep-alive clients, ${SECONDS} s x ${ROUNDS} rounds (median):`);
  console.log(`  by name through the front ${median(rf).toFixed(0)} req/s; the tunnel's port ${median(rp).toFixed(0)} req/s; the local server ${median(rd).toFixed(0)} req/s`);
  console.log(`  front / tunnel port ${(median(rf) / median(rp)).toFixed(2)}; front / direct ${(median(rf) / median(rd)).toFixed(2)}`);
  await stop(main.child);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const s of servers) s.close();
  await bench.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit();
}

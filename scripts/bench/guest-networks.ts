// Private networks with real guests on the lab (TCG, OVS userspace datapath, Geneve), all
// ratios within one run:
//  (a) create -> running with a private network vs without (the site's OVN central unset, so
//      the VM gets the plain bridge NIC), same host, interleaved; goal: the network adds <= 0.3 s;
//  (b) create -> the guest holds its DHCP lease (the address the platform allocated, read in the
//      guest through the QEMU guest agent, as network-guests.integration.test.ts does);
//  (c) guest-to-guest TCP throughput across the two lab hosts vs the same sender to a guest on
//      its own host (a busybox nc stream, timed inside the receiving guest by /proc/uptime).
//   bash scripts/bench/run.sh guest-networks [--rounds 5] [--mib 16]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || dflt;
const ROUNDS = arg('rounds', 5);
const MIB = arg('mib', 16);
const env = {
  ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12',
  REDIS_PREFIX: 'ccbenchnet:', HOST: '127.0.0.1', PORT: '3913', VM_OVERCOMMIT_CPU: '16',
  // The gateways it does not use listen on a port of their own choosing (others may run beside it).
  OSS_GATEWAY_PORT: '0', TUNNEL_GATEWAY_PORT: '0', APPS_PORT: '0',
};
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; baseImage: string }[];
if (hosts.length < 2) throw new Error('Needs two lab hosts: scripts/lab/lab up 2');
const DB = 'campus_bench_guestnet';
const bench = await startBenchServer(DB, env);
const api = apiClient(bench.base);
interface Op { state: string; error: string | null; steps: { name: string; startedAt: string | null; finishedAt: string | null }[] }
const waitOp = async (id: string) => {
  for (;;) {
    const { operation } = await api<{ operation: Op }>('GET', `/api/operations/${id}?waitMs=30000`);
    if (['succeeded', 'failed', 'compensated'].includes(operation.state)) return operation;
  }
};
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const list = (xs: number[]) => `[${xs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`;

const { SshPool } = await import('../../server/src/drivers/ssh/ssh-pool.js');
const pool = new SshPool({ privateKey: readFileSync(path.join(ROOT, '.data/ssh/id_ed25519')) });
const byName = new Map(hosts.map((h) => [h.name, { address: h.address, port: 22, user: 'root' }]));
const vmsMade = new Set<string>();

/** virsh on the VM's host (the domain named as the platform names it). */
async function virsh(vm: { id: string; hostName: string }, args: string[]) {
  const [row] = await bench.sql.query(`SELECT domainName FROM \`${DB}\`.Vm WHERE id = ?`, [vm.id]) as { domainName: string }[];
  return pool.exec(byName.get(vm.hostName)!, ['virsh', '-c', 'qemu:///system', ...args.map((a) => a.replace('{dom}', row!.domainName))], { allowFailure: true, timeoutMs: 30_000 });
}

/** `sh -c script` inside the guest through the agent; null while the agent does not answer. */
async function inGuest(vm: { id: string; hostName: string }, script: string, timeoutMs = 120_000): Promise<string | null> {
  const started = await virsh(vm, ['qemu-agent-command', '{dom}', JSON.stringify({ execute: 'guest-exec', arguments: { path: '/bin/sh', arg: ['-c', script], 'capture-output': true } })]);
  if (started.exitCode !== 0) return null;
  const pid = (JSON.parse(started.stdout) as { return: { pid: number } }).return.pid;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await virsh(vm, ['qemu-agent-command', '{dom}', JSON.stringify({ execute: 'guest-exec-status', arguments: { pid } })]);
    const r = (JSON.parse(st.stdout) as { return: { exited: boolean; 'out-data'?: string } }).return;
    if (r.exited) return Buffer.from(r['out-data'] ?? '', 'base64').toString();
    if (Date.now() > deadline) throw new Error(`"${script}" did not end in the guest`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

interface Made { vm: { id: string; hostName: string }; operation: { id: string } }
let seq = 0;
const create = async (memoryMiB = 128) => {
  const made = await api<Made>('POST', '/api/vms', { name: `gn-${seq++}`, templateId, vcpus: 1, memoryMiB, diskGiB: 1 });
  vmsMade.add(made.vm.id);
  return made;
};
const remove = async (id: string) => { await waitOp((await api<{ operation: { id: string } }>('DELETE', `/api/vms/${id}`)).operation.id); vmsMade.delete(id); };
const nicIp = async (vmId: string) => ((await bench.sql.query(`SELECT ip FROM \`${DB}\`.Nic WHERE vmId = ? ORDER BY createdAt LIMIT 1`, [vmId])) as { ip: string }[])[0]!.ip;

let templateId = '';
try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await bench.sql.query(`UPDATE \`${DB}\`.\`User\` SET role='admin', creditBalance=100000 WHERE email='bench@example.com'`);
  await bench.sql.query(`UPDATE \`${DB}\`.Quota SET maxVcpus=100, maxMemoryMiB=100000, maxDiskGiB=1000, maxVms=100, maxNetworks=5`);
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  const ids: Record<string, string> = {};
  for (const h of hosts.slice(0, 2)) ids[h.name] = (await api<{ host: { id: string } }>('POST', '/api/admin/hosts', { name: h.name, address: h.address, zone: 'lab' })).host.id;
  const [h1, h2] = hosts.slice(0, 2).map((h) => h.name) as [string, string];
  const only = async (name: string) => {
    for (const [n, id] of Object.entries(ids)) await api('PATCH', `/api/admin/hosts/${id}`, { maintenance: n !== name });
  };
  const networking = (on: boolean) => api('PATCH', `/api/admin/hosts/${ids.lab1}`, { ovnCentral: on });
  templateId = (await api<{ template: { id: string } }>('POST', '/api/admin/templates', { name: 'tiny', osLabel: 'Tiny', zone: 'lab', imagePath: hosts[0]!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 })).template.id;

  // Warm-up: the first networked VM makes the default network and the router (once per user).
  await only(h1);
  await networking(true);
  const warm = await create();
  if ((await waitOp(warm.operation.id)).state !== 'succeeded') throw new Error('warm-up create failed');
  await remove(warm.vm.id);

  // (a) and (b): interleaved rounds on one host, each VM removed before the next.
  const plain: number[] = [], networked: number[] = [], portsStep: number[] = [], lease: number[] = [];
  const createRunning = async (withNetwork: boolean) => {
    await networking(withNetwork);
    const t = performance.now();
    const made = await create();
    const op = await waitOp(made.operation.id);
    const ran = performance.now() - t;
    if (op.state !== 'succeeded') throw new Error(`create failed: ${op.error}`);
    (withNetwork ? networked : plain).push(ran);
    if (withNetwork) {
      const ports = op.steps.find((x) => x.name === 'ports');
      if (ports?.startedAt && ports.finishedAt) portsStep.push(Date.parse(ports.finishedAt) - Date.parse(ports.startedAt));
      const ip = await nicIp(made.vm.id);
      // The lease: eth0 holds the address the platform allocated (udhcpc got it from OVN).
      for (;;) {
        const out = await inGuest(made.vm, "ip -4 -o addr show dev eth0 | awk '{print $4}'");
        if (out?.trim().split('/')[0] === ip) break;
        if (performance.now() - t > 180_000) throw new Error('no lease within 180 s');
        await new Promise((res) => setTimeout(res, 200));
      }
      lease.push(performance.now() - t);
    }
    await remove(made.vm.id);
  };
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) { await createRunning(false); await createRunning(true); } else { await createRunning(true); await createRunning(false); }
  }
  await networking(true);

  // (c): sender A and receiver B1 on h1, receiver B2 on h2; rounds alternate the receivers.
  const a = await create(256);
  const b1 = await create(256);
  await only(h2);
  const b2 = await create(256);
  await only(h1);
  for (const m of [a, b1, b2]) if ((await waitOp(m.operation.id)).state !== 'succeeded') throw new Error('throughput guest failed');
  for (const m of [a, b1, b2]) {
    const ip = await nicIp(m.vm.id);
    for (let t0 = Date.now(); (await inGuest(m.vm, "ip -4 -o addr show dev eth0 | awk '{print $4}'"))?.trim().split('/')[0] !== ip;) {
      if (Date.now() - t0 > 180_000) throw new Error('guest without lease');
      await new Promise((res) => setTimeout(res, 500));
    }
  }
  const stream = async (to: Made, port: number) => {
    const ip = await nicIp(to.vm.id);
    // Timed where the bytes arrive: from the first byte to the end of the stream (the sender's
    // own clock would stop once the last bytes sit in its socket buffer).
    // The listener's stdin must not end: busybox nc closes the connection at its stdin's EOF
    // (with </dev/null it took 64 KiB and hung up, measured on this machine).
    await inGuest(to.vm, `rm -f /tmp/nc-${port}; (sleep 300 | nc -l -p ${port} | { head -c 1 >/dev/null; s=$(cut -d' ' -f1 /proc/uptime); cat >/dev/null; e=$(cut -d' ' -f1 /proc/uptime); echo "$s $e" >/tmp/nc-${port}; }) </dev/null >/dev/null 2>&1 & sleep 0.3; echo listening`);
    await inGuest(a.vm, `dd if=/dev/zero bs=65536 count=${MIB * 16} 2>/dev/null | nc ${ip} ${port}`, 300_000);
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((res) => setTimeout(res, 300))) {
      const [st, en] = ((await inGuest(to.vm, `cat /tmp/nc-${port} 2>/dev/null`)) ?? '').trim().split(/\s+/).map(Number);
      if (st !== undefined && en !== undefined && !Number.isNaN(en)) return MIB / Math.max(0.01, en - st);
    }
    throw new Error(`the stream to ${ip}:${port} did not end`);
  };
  const cross: number[] = [], same: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(ROUNDS / 2)); i++) {
    const order: [Made, number[]][] = i % 2 === 0 ? [[b2, cross], [b1, same]] : [[b1, same], [b2, cross]];
    for (const [to, into] of order) into.push(await stream(to, 5001 + i));
  }

  console.log(`\nPrivate networks with real guests (lab, TCG, OVS userspace datapath; ${h1} and ${h2})`);
  console.log(`(a) create -> running on ${h1}, median of ${ROUNDS}: without a network ${s(med(plain))} ${list(plain)}; with one ${s(med(networked))} ${list(networked)}`);
  console.log(`    the network adds ${((med(networked) - med(plain)) / 1000).toFixed(2)} s (goal <= 0.30 s); its 'ports' step (the logical port; the network was made by the warm-up) median ${s(med(portsStep))} ${list(portsStep)}`);
  console.log(`(b) create -> the guest holds its DHCP lease, median of ${ROUNDS}: ${s(med(lease))} ${list(lease)}`);
  console.log(`(c) TCP stream of ${MIB} MiB (busybox nc), sender on ${h1}: to a guest on ${h2} (Geneve) median ${med(cross).toFixed(1)} MiB/s [${cross.map((x) => x.toFixed(1)).join(', ')}]; to a guest on ${h1} median ${med(same).toFixed(1)} MiB/s [${same.map((x) => x.toFixed(1)).join(', ')}]`);
  console.log(`    across hosts / same host: ${(med(cross) / med(same)).toFixed(2)}x`);
} finally {
  for (const id of [...vmsMade]) await remove(id).catch(() => {});
  // The networks and router go from the lab's OVN with them (the database is dropped next run).
  const nets = await api<{ items: { id: string }[] }>('GET', '/api/networks').catch(() => ({ items: [] }));
  for (const n of nets.items) await api<{ operation: { id: string } }>('DELETE', `/api/networks/${n.id}`).then((d) => waitOp(d.operation.id)).catch(() => {});
  pool.closeAll();
  await bench.stop();
}
process.exit(0);

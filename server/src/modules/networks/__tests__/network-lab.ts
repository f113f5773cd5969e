import { afterAll, beforeAll, expect } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, resetState, startServer, type Client, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { labHosts, type LabHost } from '../../../drivers/__tests__/lab-hosts.js';
import { OvnDriver } from '../../../drivers/ovn/ovn-driver.js';
import { closeHostConnections, driversFor, hostRuntime, targetOf } from '../../hosts/host-connections.js';
import { removeNicPorts } from '../network-ovn.js';

// Shared by the network tests: the lab's OVN (central and gateway on lab1, see scripts/lab/ovn),
// two VM hosts (CC_NETWORK_TEST_HOSTS=lab3,lab4 picks others than lab1,lab2), a template on the
// tiny guest (which takes DHCP and runs the QEMU guest agent), and commands run inside guests.

const all = labHosts(2);
const pick = (name: string) => all.find((h) => h.name === name) ?? (() => { throw new Error(`${name} is not up (scripts/lab/lab up N)`); })();
export const central: LabHost = pick('lab1');
export const vmHosts: LabHost[] = (process.env.CC_NETWORK_TEST_HOSTS ?? 'lab1,lab2').split(',').map(pick);
export const OUTSIDE_URL = 'http://10.78.0.1:8088/';

/** OVN objects the platform made for the current test database's networks and users. */
export async function ownedOvnNames(extraIds: string[] = []): Promise<string[]> {
  const inv = await centralDriver().then((d) => d.inventory());
  const ids = new Set([
    ...extraIds,
    ...(await db.network.findMany({ select: { id: true } })).map((n) => n.id),
    ...(await db.user.findMany({ select: { id: true } })).map((u) => u.id),
    ...(await db.nic.findMany({ select: { id: true } })).map((n) => n.id),
  ]);
  const mine = (name: string) => [...ids].some((id) => name.endsWith(id) || name.endsWith(id.replaceAll('-', '_')));
  return [...inv.switches, ...inv.ports, ...inv.routers, ...inv.portGroups, ...inv.loadBalancers].filter(mine);
}

export async function centralDriver(): Promise<OvnDriver> {
  const { pool } = await hostRuntime();
  return new OvnDriver(pool, central.pinnedTarget);
}

/** Removes every guest and OVN object an earlier run of this database left behind. */
export async function cleanLeftovers(): Promise<void> {
  for (const vm of await db.vm.findMany({ where: { state: { not: 'deleted' } }, include: { host: true, nics: true } })) {
    if (vm.host) {
      const { hypervisor } = await driversFor(vm.host);
      await hypervisor.destroy(vm.domainName).catch(() => {});
      await hypervisor.undefine(vm.domainName).catch(() => {});
      await hypervisor.removeFile(`${vm.host.imageDir}/${vm.domainName}.qcow2`).catch(() => {});
      await hypervisor.removeFile(`${vm.host.imageDir}/${vm.domainName}-seed.iso`).catch(() => {});
    }
    await removeNicPorts(vm.nics.map((n) => n.id)).catch(() => {});
  }
  const ovn = await centralDriver();
  for (const n of await db.network.findMany()) await ovn.deleteNetwork(n.id, n.ownerId, n.cidr).catch(() => {});
  for (const r of await db.networkRouter.findMany()) await ovn.deleteRouter(r.userId).catch(() => {});
}

/** Cleans up, resets the database, registers the central and VM hosts, makes the template. */
export async function prepareNetworkLab(base: string): Promise<{ admin: Client; templateId: string }> {
  await cleanLeftovers().catch(() => {});
  await resetState();
  const admin = await adminClient(base);
  for (const lab of [...new Set([central, ...vmHosts])]) {
    const zone = vmHosts.includes(lab) ? 'lab' : 'ovn-central';
    const r = await admin.post('/api/admin/hosts', { name: lab.name, address: lab.address, zone });
    expect(r.body.host.status, JSON.stringify(r.body)).toBe('ready');
    expect(r.body.host.ovn).toMatchObject({ chassis: lab.name, controller: true, bridge: 'br-ovn' });
    if (lab === central) expect((await admin.patch(`/api/admin/hosts/${r.body.host.id}`, { ovnCentral: true })).status).toBe(200);
  }
  const t = await admin.post('/api/admin/templates', {
    name: 'tiny', osLabel: 'Tiny Linux (busybox)', zone: 'lab', imagePath: central.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64,
  });
  expect(t.status).toBe(201);
  return { admin, templateId: t.body.template.id };
}

/**
 * A suite's server, operation worker and lab (prepareNetworkLab), and their cleanup afterwards
 * (`beforeCleanup` first; guests stay with CC_KEEP_GUESTS=1, to look at a failure by hand).
 */
export function useNetworkLab(beforeCleanup?: () => Promise<void>): { srv: TestServer; templateId: string } {
  const lab = {} as { srv: TestServer; templateId: string };
  beforeAll(async () => {
    lab.srv = await startServer();
    startOperationWorker({ concurrency: 4 });
    lab.templateId = (await prepareNetworkLab(lab.srv.url)).templateId;
  }, 120_000);
  afterAll(async () => {
    await beforeCleanup?.().catch(() => {});
    if (!process.env.CC_KEEP_GUESTS) await cleanLeftovers().catch(() => {});
    await stopOperations();
    await lab.srv?.close();
    await closeHostConnections();
  }, 120_000);
  return lab;
}

async function onVmHost(vmId: string, argv: string[]) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
  const { pool } = await hostRuntime();
  return pool.exec(targetOf(vm.host!), ['virsh', '-c', 'qemu:///system', ...argv.map((a) => a.replace('{dom}', vm.domainName))], { allowFailure: true, timeoutMs: 30_000 });
}

/** Waits for the guest agent to answer (the guest has booted its userspace). */
export async function agentReady(vmId: string, timeoutMs = 120_000): Promise<void> {
  await expect.poll(async () => (await onVmHost(vmId, ['qemu-agent-command', '{dom}', '{"execute":"guest-ping"}'])).exitCode, { timeout: timeoutMs, interval: 1000 }).toBe(0);
}

/** Runs `sh -c script` inside the guest through the QEMU guest agent. */
export async function inGuest(vmId: string, script: string, timeoutMs = 30_000): Promise<{ exitCode: number; out: string }> {
  const cmd = { execute: 'guest-exec', arguments: { path: '/bin/sh', arg: ['-c', script], 'capture-output': true } };
  const started = await onVmHost(vmId, ['qemu-agent-command', '{dom}', JSON.stringify(cmd)]);
  if (started.exitCode !== 0) throw new Error(`guest-exec failed: ${started.stderr}`);
  const pid = (JSON.parse(started.stdout) as { return: { pid: number } }).return.pid;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await onVmHost(vmId, ['qemu-agent-command', '{dom}', JSON.stringify({ execute: 'guest-exec-status', arguments: { pid } })]);
    const r = (JSON.parse(st.stdout) as { return: { exited: boolean; exitcode?: number; 'out-data'?: string; 'err-data'?: string } }).return;
    if (r.exited) {
      const out = Buffer.from(r['out-data'] ?? '', 'base64').toString() + Buffer.from(r['err-data'] ?? '', 'base64').toString();
      return { exitCode: r.exitcode ?? -1, out };
    }
    if (Date.now() > deadline) throw new Error(`"${script}" did not finish in the guest within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** The IPv4 address the guest holds on eth0 (after DHCP), or '' before it has one. */
export async function guestIp(vmId: string): Promise<string> {
  const r = await inGuest(vmId, "ip -4 -o addr show dev eth0 | awk '{print $4}'");
  return r.out.trim().split('/')[0] ?? '';
}

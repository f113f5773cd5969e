import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client, resetState } from '../../../test/harness.js';
import { labHosts } from '../../../drivers/__tests__/lab-hosts.js';
import { driversFor } from '../../hosts/host-connections.js';

// Shared by the VM tests: the lab's two hosts registered in zone "lab", a template on the
// lab's tiny bootable image, and helpers to follow operations and look at the host.
export const [lab1, lab2] = labHosts(2);

/** Removes from the hosts every domain and disk of the VMs the database knows (afterAll, and before each test). */
export async function removeLabVms(): Promise<void> {
  for (const vm of await db.vm.findMany({ where: { state: { not: 'deleted' } }, include: { host: true } })) {
    if (!vm.host) continue;
    const { hypervisor } = await driversFor(vm.host);
    await hypervisor.destroy(vm.domainName).catch(() => {});
    await hypervisor.undefine(vm.domainName).catch(() => {});
    await hypervisor.removeFile(`${vm.host.imageDir}/${vm.domainName}.qcow2`).catch(() => {});
    await hypervisor.removeFile(`${vm.host.imageDir}/${vm.domainName}-seed.iso`).catch(() => {});
    await hypervisor.removeFile(`${vm.host.imageDir}/${vm.domainName}-serial.log`).catch(() => {});
  }
}

/** Removes what earlier tests left on the hosts, resets the database, registers the lab. */
export async function prepareLab(base: string): Promise<{ admin: Client; templateId: string }> {
  await removeLabVms();
  await resetState();
  const admin = await adminClient(base);
  for (const lab of [lab1!, lab2!]) {
    const r = await admin.post('/api/admin/hosts', { name: lab.name, address: lab.address, zone: 'lab' });
    expect(r.body.host.status).toBe('ready');
  }
  const t = await admin.post('/api/admin/templates', {
    name: 'tiny', osLabel: 'Tiny Linux (busybox)', zone: 'lab', imagePath: lab1!.baseImage, defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64,
  });
  expect(t.status).toBe(201);
  return { admin, templateId: t.body.template.id };
}

export interface OpView { state: string; error: string | null; steps: { name: string; state: string }[] }

export async function finished(c: Client, opId: string): Promise<OpView> {
  let op: OpView | undefined;
  await expect.poll(async () => {
    op = (await c.get(`/api/operations/${opId}`)).body.operation;
    return op?.state;
  }, { timeout: 120_000, interval: 300 }).toMatch(/succeeded|failed|compensated/);
  return op!;
}

/** The same, usable in hooks (no expect.poll): long polls until the operation ends. */
export async function ended(c: Client, opId: string, timeoutMs = 120_000): Promise<OpView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = (await c.get(`/api/operations/${opId}?waitMs=${Math.min(20_000, Math.max(1, deadline - Date.now()))}`)).body.operation as OpView | undefined;
    if (op && /succeeded|failed|compensated/.test(op.state)) return op;
    if (Date.now() > deadline) throw new Error(`operation ${opId} still ${op?.state} after ${timeoutMs} ms`);
  }
}

export async function onHost(vmId: string) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
  const { hypervisor } = await driversFor(vm.host!);
  return {
    state: await hypervisor.domainState(vm.domainName),
    disk: await hypervisor.fileExists(`${vm.host!.imageDir}/${vm.domainName}.qcow2`),
    seed: await hypervisor.fileExists(`${vm.host!.imageDir}/${vm.domainName}-seed.iso`),
  };
}

export const vmBody = (templateId: string, over: Record<string, unknown> = {}) =>
  ({ name: `vm-${randomUUID().slice(0, 6)}`, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1, ...over });

/** Creates a VM for `user` and waits until it runs; returns its id. */
export async function runningVm(user: Client, templateId: string, over: Record<string, unknown> = {}): Promise<string> {
  const c = await user.post('/api/vms', vmBody(templateId, over));
  expect(c.status, JSON.stringify(c.body)).toBe(202);
  const op = await finished(user, c.body.operation.id);
  expect(op.state, op.error ?? '').toBe('succeeded');
  return c.body.vm.id as string;
}

/** Runs a VM action (or any POST that answers an operation) and waits for it; returns the operation. */
export async function act(c: Client, path: string, body?: unknown): Promise<OpView> {
  const r = await c.post(path, body);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(202);
  return finished(c, r.body.operation.id);
}

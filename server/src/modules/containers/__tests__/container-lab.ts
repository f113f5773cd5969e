import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { db } from '../../../platform/db.js';
import { adminClient, resetState, type Client } from '../../../test/harness.js';
import { labHosts } from '../../../drivers/__tests__/lab-hosts.js';
import { driversFor } from '../../hosts/host-connections.js';
import { LABEL_OWNER } from '../container-operations.js';
import { ownerNetworkName } from '../container-networks.js';

// Shared by the container tests: the lab's two hosts in zone "lab", templates on the images
// the lab imports (lab/busybox, lab/httpd), and helpers to look at what is on the hosts.
export const [lab1, lab2] = labHosts(2);

/** Removes from the hosts what this database's containers left (earlier runs), resets, registers the lab. */
export async function cleanHosts(): Promise<void> {
  const owners = new Set<string>();
  for (const c of await db.container.findMany({ include: { host: true } })) {
    owners.add(c.ownerId);
    if (!c.host) continue;
    const { containers } = await driversFor(c.host);
    await containers.remove(c.dockerName).catch(() => undefined);
    await containers.removeVolume(`${c.dockerName}-data`).catch(() => undefined);
  }
  for (const h of await db.host.findMany()) {
    const { containers } = await driversFor(h);
    for (const o of owners) await containers.removeNetwork(ownerNetworkName(o)).catch(() => undefined);
  }
}

export async function prepareContainerLab(base: string): Promise<{ admin: Client; httpd: string; busybox: string }> {
  await cleanHosts();
  await resetState();
  const admin = await adminClient(base);
  for (const lab of [lab1!, lab2!]) {
    const r = await admin.post('/api/admin/hosts', { name: lab.name, address: lab.address, zone: 'lab' });
    expect(r.body.host.status).toBe('ready');
  }
  const httpd = await admin.post('/api/admin/container-templates', {
    name: 'httpd', image: 'lab/httpd:latest', description: 'busybox httpd on :8080', ports: [8080], minMemoryMiB: 16, zone: 'lab',
  });
  expect(httpd.status, JSON.stringify(httpd.body)).toBe(201);
  expect(httpd.body.hosts).toEqual([{ name: 'lab1', present: true }, { name: 'lab2', present: true }]);
  const busybox = await admin.post('/api/admin/container-templates', {
    name: 'busybox', image: 'lab/busybox:latest', command: ['/bin/sh', '-c', 'echo ready; while true; do sleep 3600; done'], minMemoryMiB: 16, zone: 'lab',
  });
  expect(busybox.status).toBe(201);
  return { admin, httpd: httpd.body.template.id, busybox: busybox.body.template.id };
}

export interface OpView { state: string; error: string | null; steps: { name: string; state: string }[] }

export async function finished(c: Client, opId: string, timeout = 60_000): Promise<OpView> {
  let op: OpView | undefined;
  await expect.poll(async () => {
    op = (await c.get(`/api/operations/${opId}`)).body.operation;
    return op?.state;
  }, { timeout, interval: 100 }).toMatch(/succeeded|failed|compensated/);
  return op!;
}

export const containerBody = (templateId: string, over: Record<string, unknown> = {}) =>
  ({ name: `ct-${randomUUID().slice(0, 6)}`, templateId, cpus: 0.25, memoryMiB: 32, ...over });

/** What the container's host holds for it: the container's state, its volume, its owner's network. */
export async function onHost(containerId: string) {
  const c = await db.container.findUniqueOrThrow({ where: { id: containerId }, include: { host: true } });
  const { containers } = await driversFor(c.host!);
  const state = await containers.inspect(c.dockerName);
  const volumes = await containers.listVolumes(`campus.container.id=${c.id}`);
  const networks = await containers.listNetworks(`${LABEL_OWNER}=${c.ownerId}`);
  return { state, volume: volumes.includes(`${c.dockerName}-data`), network: networks.includes(ownerNetworkName(c.ownerId)), docker: containers, dockerName: c.dockerName };
}

/** Opens a container WebSocket (terminal or logs) with a fresh ticket; resolves once open, or with the refusal. */
export async function openStream(c: Client, containerId: string, kind: 'terminal' | 'logs', headers: Record<string, string> = {}) {
  const t = await c.post(`/api/containers/${containerId}/${kind === 'terminal' ? 'terminal' : 'logs/follow'}`);
  if (t.status !== 201) return { status: t.status, body: t.body as unknown };
  return connect(c, t.body.path as string, headers);
}

export function connect(c: Client, path: string, headers: Record<string, string> = {}) {
  const url = c.base.replace(/^http/, 'ws') + path;
  return new Promise<{ ws: WebSocket; received: () => string } | { status: number; body: unknown }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { cookie: c.cookie, 'x-forwarded-for': c.ip, ...headers } });
    let text = '';
    ws.on('message', (data: Buffer) => { text += data.toString('utf8'); });
    ws.once('open', () => resolve({ ws, received: () => text }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body || '{}') as unknown }));
    });
    ws.once('error', (e) => reject(e));
  });
}

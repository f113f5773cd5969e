import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request, type APIRequestContext } from 'playwright-core';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { adminCredentials, newIdempotencyKey } from '../support/env';
import { pollUntil } from '../support/wait';

// A lab host registered in a zone of its own with a template on the lab's tiny image, made
// through the API as the admin (scripts/lab brings the hosts up before the tests).

const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));

export interface LabHostEntry { name: string; address: string; port: number; user: string; baseImage: string }

export function labHostsFile(): LabHostEntry[] {
  const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as LabHostEntry[];
  if (!labs.length) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 2`);
  return labs;
}

const PLATFORM_KEY = fileURLToPath(new URL('../../../.data/ssh/id_ed25519', import.meta.url));

/** A command on the first lab host, as the platform reaches it (its own SSH key); the arguments are fixed strings. */
export function onLab(argv: string[], stdin?: string): void {
  const h = labHostsFile()[0]!;
  execFileSync('ssh', ['-F', '/dev/null', '-i', PLATFORM_KEY, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-p', String(h.port), `${h.user}@${h.address}`, ...argv],
  { input: stdin, stdio: ['pipe', 'ignore', 'pipe'], timeout: 30_000 });
}

/** virsh on the first lab host (qemu:///system). */
export const virshOnLab = (args: string[], stdin?: string) => onLab(['virsh', '-q', '-c', 'qemu:///system', ...args], stdin);

// One administrator session per spec file, reused (a sign-in per setup step added up to more
// sign-ins a minute than the server allows one account); signed in again if it has ended.
let adminSession: Awaited<ReturnType<APIRequestContext['storageState']>> | undefined;

/** Runs `fn` with an API context signed in as the seeded administrator. */
export async function asAdmin<T>(fn: (api: APIRequestContext) => Promise<T>): Promise<T> {
  const admin = adminCredentials();
  const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL, ...(adminSession ? { storageState: adminSession } : {}) });
  try {
    if (!adminSession || (await api.get('/api/me')).status() !== 200) {
      await logInViaApi(api, admin.email, admin.password);
      adminSession = await api.storageState();
    }
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

export interface LabZone { hostId: string; templateId: string }

/** Registers `lab` as host `hostName` in `zone` (optionally the OVN central) with template `templateName`. */
export async function labZone(lab: LabHostEntry, opts: { hostName: string; zone: string; templateName: string; ovnCentral?: boolean }): Promise<LabZone> {
  return asAdmin(async (api) => {
    const hostId = (await registerHostViaApi(api, { name: opts.hostName, address: lab.address, port: lab.port, sshUser: lab.user, zone: opts.zone })).id;
    if (opts.ovnCentral) {
      const central = await api.patch(`/api/admin/hosts/${hostId}`, { data: { ovnCentral: true }, headers: { 'Idempotency-Key': newIdempotencyKey() } });
      if (central.status() !== 200) throw new Error(`ovnCentral: ${central.status()} ${await central.text()}`);
    }
    const res = await api.post('/api/admin/templates', {
      data: { name: opts.templateName, osLabel: 'Tiny Linux', zone: opts.zone, imagePath: lab.baseImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 },
      headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
    return { hostId, templateId: ((await res.json()) as { template: { id: string } }).template.id };
  });
}

export async function removeLabZone(z: Partial<LabZone>): Promise<void> {
  await asAdmin(async (api) => {
    if (z.templateId) await api.delete(`/api/admin/templates/${z.templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    if (z.hostId) await deleteHostViaApi(api, z.hostId).catch(() => {});
  });
}

export interface LabTemplate {
  hostId: string;
  templateId: string;
  templateName: string;
  remove(): Promise<void>;
}

export async function labTemplate(suffix: string, tag: string): Promise<LabTemplate> {
  const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string; baseImage: string }>;
  const lab = labs[0];
  if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 1`);
  const zone = `e2e-${tag}-${suffix}`;
  const templateName = `tiny-${suffix}`;
  let hostId = '';
  let templateId = '';
  const remove = () =>
    asAdmin(async (api) => {
      if (templateId) await api.delete(`/api/admin/templates/${templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  await asAdmin(async (api) => {
    hostId = (await registerHostViaApi(api, { name: `e2e-${tag}-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;
    const res = await api.post('/api/admin/templates', {
      data: { name: templateName, osLabel: 'Tiny Linux', zone, imagePath: lab.baseImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 },
      headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
    templateId = ((await res.json()) as { template: { id: string } }).template.id;
  }).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  return { hostId, templateId, templateName, remove };
}

/** A VM's state as its owner's API context reads it; 'deleted' once it is gone. */
export async function vmStateOf(api: APIRequestContext, vmId: string): Promise<string> {
  const body = (await (await api.get(`/api/vms/${vmId}`)).json()) as { vm?: { state: string } };
  return body.vm?.state ?? 'deleted';
}

/** Cleanup (afterAll): the user's VM, once its current operation has ended, is deleted and waited for. */
export async function deleteVmAs(user: { email: string; password: string }, vmId: string): Promise<void> {
  const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const state = () => vmStateOf(api, vmId);
  try {
    await logInViaApi(api, user.email, user.password);
    await pollUntil(state, (s) => ['running', 'stopped', 'error', 'deleted'].includes(s), 120_000, 'the VM to settle');
    await api.delete(`/api/vms/${vmId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    await pollUntil(state, (s) => s === 'deleted', 120_000, 'the VM to be deleted');
  } finally {
    await api.dispose();
  }
}

/** Cleanup (afterAll): the user's private networks (a VM's first one is made for it), so the shared OVN keeps no switch or router of theirs. */
export async function deleteNetworksAs(user: { email: string; password: string }): Promise<void> {
  const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  try {
    await logInViaApi(api, user.email, user.password);
    const { items } = (await (await api.get('/api/networks')).json()) as { items: { id: string }[] };
    for (const n of items) {
      await pollUntil(async () => (await api.delete(`/api/networks/${n.id}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } })).status(), (s) => s === 202 || s === 404, 60_000, 'the network delete to be accepted');
      await pollUntil(async () => (await api.get(`/api/networks/${n.id}`)).status(), (s) => s === 404, 60_000, 'the network to be deleted');
    }
  } finally {
    await api.dispose();
  }
}

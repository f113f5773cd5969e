import { randomUUID } from 'node:crypto';
import { request, type APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { asAdmin, deleteNetworksAs, labHostsFile, labZone, removeLabZone, virshOnLab, type LabZone } from '../flows/lab-flow';
import { logInViaApi, signUpViaApi } from '../support/api';
import { PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { checkOnPhone } from '../support/screens';
import { pollUntil } from '../support/wait';

// The rest of the app on a phone (390×844), each page with something of its kind on it: a
// student's containers, networks, volumes, tunnels, activity, a bucket's files and a VM with a
// snapshot and a volume; an admin's monitoring, networks, containers, tunnels, findings and
// storage pools. Every page fits the screen (no sideways scrolling) and its lists are cards
// headed by the resource's name; both sizes are kept as screenshots (test-results/screens/).
// Everything is made through the API on the lab's lab1 (real libvirt, OVN, Docker, Swift).

const suffix = randomUUID().slice(0, 6);
const zoneName = `e2e-phm-${suffix}`;
const hostName = `e2e-phm-${suffix}`;
const student = { email: uniqueEmail('phone-more'), password: PASSWORD, displayName: 'Phone Student' };
const names = {
  network: `phn-${suffix}`, vm: `phvm-${suffix}`, vmSnapshot: `snap-${suffix}`, container: `phct-${suffix}`,
  volume: `phvol-${suffix}`, volumeSnapshot: `before-${suffix}`, tunnel: `ph${suffix}`, bucket: `phone-more-${suffix}`,
  object: `notes-${suffix}.txt`, s3key: `laptop-${suffix}`, ctTemplate: `httpd-phm-${suffix}`, pool: `e2e-phm-${suffix}`,
  ghost: `e2e-phone-ghost-${suffix}`,
};
const ids = { network: '', vm: '', container: '', volume: '', tunnel: '', ctTemplate: '', pool: '' };
let zone: Partial<LabZone> = {};
let api: APIRequestContext | undefined;
let ghostDefined = false;

/** The student's API context (signed in in beforeAll). */
function studentApi(): APIRequestContext {
  if (!api) throw new Error('the student is not signed up');
  return api;
}

async function send(ctx: APIRequestContext, method: 'post' | 'delete', url: string, data?: unknown): Promise<Record<string, unknown>> {
  const res = await ctx[method](url, { ...(data === undefined ? {} : { data }), headers: { 'Idempotency-Key': newIdempotencyKey() } });
  if (res.status() >= 300) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
  return res.status() === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

/** Polls one of the student's resources (`GET url` answers `{ [key]: ... }`) until `done` holds. */
async function until<T>(url: string, key: string, done: (value: T) => boolean, what: string, timeoutMs = 120_000): Promise<T> {
  return pollUntil(async () => ((await (await studentApi().get(url)).json()) as Record<string, T>)[key] as T, done, timeoutMs, what);
}

type Settled = { state: string; currentOperationId: string | null };
const settled = (state: string) => (r: Settled | undefined) => r?.state === state && r.currentOperationId === null;
const idOf = (body: Record<string, unknown>, key: string) => (body[key] as { id: string }).id;

describe('the rest of the app on a phone', () => {
  const fx = useBrowser({ viewport: PHONE });

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    zone = await labZone(lab, { hostName, zone: zoneName, templateName: `tiny-phm-${suffix}`, ovnCentral: true });
    await asAdmin(async (admin) => {
      ids.ctTemplate = idOf(await send(admin, 'post', '/api/admin/container-templates', { name: names.ctTemplate, image: 'lab/httpd:latest', ports: [8080], minMemoryMiB: 16, zone: zoneName }), 'template');
      ids.pool = idOf(await send(admin, 'post', '/api/admin/storage-pools', { hostId: zone.hostId, name: names.pool, path: `/var/lib/libvirt/volumes-e2e-phm-${suffix}`, reserveGiB: 1 }), 'pool');
    });

    api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
    await signUpViaApi(api, student);
    const s = studentApi();
    // A network with an inbound rule, a VM and a container on it.
    ids.network = idOf(await send(s, 'post', '/api/networks', { name: names.network }), 'network');
    await until(`/api/networks/${ids.network}`, 'network', settled('ready'), 'the network to be ready');
    await send(s, 'post', `/api/networks/${ids.network}/rules`, { protocol: 'tcp', portFrom: 22, sourceCidr: '0.0.0.0/0' });
    ids.vm = idOf(await send(s, 'post', '/api/vms', { name: names.vm, templateId: zone.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1, networkIds: [ids.network] }), 'vm');
    ids.container = idOf(await send(s, 'post', '/api/containers', { name: names.container, templateId: ids.ctTemplate, cpus: 0.25, memoryMiB: 32, networkIds: [ids.network] }), 'container');
    await until(`/api/vms/${ids.vm}`, 'vm', settled('running'), 'the VM to run', 180_000);
    await until(`/api/containers/${ids.container}`, 'container', settled('running'), 'the container to run');
    // The VM's snapshot; a volume next to it with a snapshot of its own (taken detached), then attached.
    await send(s, 'post', `/api/vms/${ids.vm}/snapshots`, { name: names.vmSnapshot });
    await until(`/api/vms/${ids.vm}`, 'vm', settled('running'), 'the VM snapshot to be taken');
    ids.volume = idOf(await send(s, 'post', '/api/volumes', { name: names.volume, sizeGiB: 1, vmId: ids.vm }), 'volume');
    await until(`/api/volumes/${ids.volume}`, 'volume', settled('ready'), 'the volume to be ready');
    await send(s, 'post', `/api/volumes/${ids.volume}/snapshots`, { name: names.volumeSnapshot });
    await until(`/api/volumes/${ids.volume}`, 'volume', settled('ready'), 'the volume snapshot to be taken');
    await send(s, 'post', `/api/volumes/${ids.volume}/attach`, { vmId: ids.vm });
    await until<{ vm: unknown } & Settled>(`/api/volumes/${ids.volume}`, 'volume', (v) => settled('ready')(v) && v.vm !== null, 'the volume to be attached');
    // An HTTP name, a bucket with a file in it, an S3 key.
    ids.tunnel = String((await send(s, 'post', '/api/tunnels', { kind: 'http', name: names.tunnel })).id);
    await send(s, 'post', '/api/buckets', { name: names.bucket });
    const text = Buffer.from('what a phone shows\n');
    const began = (await send(s, 'post', `/api/buckets/${names.bucket}/uploads`, { key: names.object, size: text.length })) as { upload: { id: string }; url: string };
    const put = await s.put(began.url, { data: text });
    if (put.status() !== 200) throw new Error(`presigned PUT: ${put.status()} ${await put.text()}`);
    await send(s, 'post', `/api/buckets/${names.bucket}/uploads/${began.upload.id}/complete`);
    await send(s, 'post', '/api/me/s3-keys', { name: names.s3key });

    // A domain on lab1 that nobody at the platform made: reconciling records a finding for it.
    virshOnLab(['define', '/dev/stdin'], `<domain type='qemu'><name>${names.ghost}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`);
    ghostDefined = true;
    await asAdmin((admin) => send(admin, 'post', '/api/admin/reconcile'));
  }, 400_000);

  afterAll(async () => {
    if (ghostDefined) {
      try { virshOnLab(['undefine', names.ghost]); } catch { /* already gone */ }
    }
    if (api) {
      const s = api;
      const gone = (url: string, what: string) => pollUntil(async () => (await s.get(url)).status(), (c) => c === 404, 120_000, what);
      if (ids.tunnel) await send(s, 'delete', `/api/tunnels/${ids.tunnel}`).catch(() => undefined);
      if (ids.container) {
        await until(`/api/containers/${ids.container}`, 'container', (c: Settled | undefined) => !c || c.currentOperationId === null, 'the container to settle').catch(() => undefined);
        await send(s, 'delete', `/api/containers/${ids.container}`).catch(() => undefined);
        await gone(`/api/containers/${ids.container}`, 'the container to be deleted').catch(() => undefined);
      }
      if (ids.vm) {
        await until(`/api/vms/${ids.vm}`, 'vm', (v: Settled | undefined) => !v || v.currentOperationId === null, 'the VM to settle').catch(() => undefined);
        await send(s, 'delete', `/api/vms/${ids.vm}?volumes=delete`).catch(() => undefined);
        await gone(`/api/vms/${ids.vm}`, 'the VM to be deleted').catch(() => undefined);
      }
      if (ids.volume) {
        // Deleted with the VM when attached; on its own when the attach never happened.
        await send(s, 'delete', `/api/volumes/${ids.volume}`).catch(() => undefined);
        await gone(`/api/volumes/${ids.volume}`, 'the volume to be deleted').catch(() => undefined);
      }
      await send(s, 'post', `/api/buckets/${names.bucket}/objects/delete`, { keys: [names.object] }).catch(() => undefined);
      await send(s, 'delete', `/api/buckets/${names.bucket}`).catch(() => undefined);
      await deleteNetworksAs(student).catch(() => undefined);
      await s.dispose();
    }
    await asAdmin(async (admin) => {
      if (ids.ctTemplate) await send(admin, 'delete', `/api/admin/container-templates/${ids.ctTemplate}`).catch(() => undefined);
      if (ids.pool) await send(admin, 'delete', `/api/admin/storage-pools/${ids.pool}`).catch(() => undefined);
    });
    await removeLabZone(zone);
  }, 400_000);

  it("a student's containers, networks, volumes, tunnels, activity, files and VM fit the screen as cards", async () => {
    const page = fx.page;
    await fx.context.addCookies((await studentApi().storageState()).cookies);

    await checkOnPhone(page, 'containers', { route: '/containers', ready: '[data-test="container-row-name"]', cards: [names.container] });
    await checkOnPhone(page, 'container-detail', { route: `/containers/${ids.container}`, ready: '[data-test="container-name-title"]', shows: [names.container] });
    await checkOnPhone(page, 'networks', { route: '/networks', ready: `[data-test="network-link-${names.network}"]`, cards: [names.network] });
    // The network's page: the VM and the container on it, and its inbound rule (TCP 22).
    await checkOnPhone(page, 'network-detail', { route: `/networks/${ids.network}`, ready: '[data-test="network-port-ip"]', shows: [names.network], cards: [names.vm, names.container, 'TCP'] });
    await checkOnPhone(page, 'volumes', { route: '/volumes', ready: '[data-test="volume-row"]', cards: [names.volume] });
    await checkOnPhone(page, 'volume-snapshots', {
      open: (p) => byTest(p, 'row-card').filter({ hasText: names.volume }).locator('[data-test="volume-snapshots"]').click(),
      ready: '[data-test="volume-snapshot-row"]',
      cards: [names.volumeSnapshot],
    });
    await checkOnPhone(page, 'tunnels', { route: '/tunnels', ready: '[data-test="tunnel-state"]', cards: [names.tunnel] });
    await checkOnPhone(page, 'activity', { route: '/activity', ready: '[data-test="operation-log-target"]', shows: [names.vm, names.container, names.volume] });
    await checkOnPhone(page, 'bucket', { route: `/storage/${names.bucket}`, ready: '[data-test="object-row"]', cards: [names.object] });
    // The VM page: its snapshot and its volume are cards in their own cards.
    await checkOnPhone(page, 'vm-detail-parts', { route: `/vms/${ids.vm}`, ready: '[data-test="vm-snapshot-row"]', cards: [names.vmSnapshot, names.volume] });
    // The wizard's second step, in one column.
    await checkOnPhone(page, 'vm-create-size', {
      route: '/vms/new',
      open: async (p) => {
        await p.locator(`[data-test="vm-template-card"][data-template-name="tiny-phm-${suffix}"]`).click();
        await byTest(p, 'vm-create-next').click();
      },
      ready: '[data-test="vm-create-size-step"]',
    });
    await checkOnPhone(page, 'profile-s3-keys', { route: '/profile', ready: '[data-test="s3key-row"]', cards: [names.s3key] });
  }, 180_000);

  it("an admin's monitoring, networks, containers, tunnels, findings and storage pools fit the screen as cards", async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);

    await checkOnPhone(page, 'admin-monitoring', { route: '/admin/monitoring', ready: '[data-test="monitoring-alerts"]' });
    await checkOnPhone(page, 'admin-monitoring-infrastructure', {
      open: (p) => p.locator('[data-test="monitoring-tabs"] #tab-infrastructure').click(),
      ready: '[data-test="table-hosts"]',
      cards: [hostName],
    });
    await checkOnPhone(page, 'admin-networks', { route: '/admin/networks', ready: '[data-test="admin-network-row"]', cards: [names.network] });
    await checkOnPhone(page, 'admin-containers', { route: '/admin/containers', ready: '[data-test="admin-container-row"]', cards: [names.container] });
    await checkOnPhone(page, 'admin-container-images', {
      open: (p) => p.getByRole('tab', { name: 'Images' }).click(),
      ready: '[data-test="admin-container-template-row"]',
      cards: [names.ctTemplate],
    });
    await checkOnPhone(page, 'admin-tunnels', { route: '/admin/tunnels', ready: '[data-test="tunnel-state"]', cards: [names.tunnel] });
    await checkOnPhone(page, 'admin-findings', { route: '/admin/findings', ready: '[data-test="finding-row"]', cards: [names.ghost] });
    await checkOnPhone(page, 'admin-storage-pools', { route: '/admin/storage-pools', ready: '[data-test="pool-row"]', cards: [names.pool] });
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey } from '../support/env';
import { eventually } from '../support/wait';

// An admin uploads the lab's tiny qcow2 through the Images page; the import copies it to a lab
// host with its checksum verified (steps and progress on screen); a student then creates a
// VM from the new template and it runs. Real Swift, real libvirt on the lab.

const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));
const TINY = '/var/cache/cclab/tiny.qcow2';
const suffix = randomUUID().slice(0, 6);
const zone = `e2e-img-${suffix}`;
const imageName = `tiny-up-${suffix}`;
const headers = () => ({ 'Idempotency-Key': newIdempotencyKey() });

let hostId = '';
const cleanup: Array<(api: APIRequestContext) => Promise<unknown>> = [];

describe('images in the browser', () => {
  const fx = useBrowser();

  afterAll(async () => {
    // Whatever the test made goes, in order: the VM, the image, the host.
    const { request } = await import('playwright-core');
    const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
    const admin = adminCredentials();
    await logInViaApi(api, admin.email, admin.password);
    for (const step of cleanup.reverse()) await step(api).catch(() => undefined);
    if (hostId) await deleteHostViaApi(api, hostId).catch(() => undefined);
    await api.dispose();
  });

  it('uploads a qcow2, imports it to a lab host, and a student runs a VM from it', async () => {
    const { page } = fx;
    const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string }>;
    const lab = labs[1] ?? labs[0];
    if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 2`);
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    hostId = (await registerHostViaApi(page.request, { name: `e2e-imghost-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;

    await page.goto('/images');
    await byTest(page, 'images-table').waitFor();
    await byTest(page, 'image-upload-open').click();
    await byTest(page, 'image-file').setInputFiles(TINY);
    await byTest(page, 'image-name').fill(imageName);
    await byTest(page, 'image-os').fill('Tiny Linux (busybox)');
    await byTest(page, 'image-zone').fill(zone);
    await byTest(page, 'image-submit').click();

    // The import's steps on screen, to the end.
    const progress = byTest(page, 'operation-progress');
    await progress.waitFor({ timeout: 60_000 });
    await eventually(() => progress.getAttribute('data-state'), 90_000).toBe('succeeded');
    expect(await byTest(progress, 'operation-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['inspect', 'copy-to-hosts', 'register']);
    const row = page.locator(`[data-test="image-row"][data-name="${imageName}"]`);
    await eventually(() => row.getAttribute('data-status'), 20_000).toBe('ready');
    const hostTag = page.locator('.el-table__row', { has: row }).locator('[data-test="image-host"]');
    await eventually(() => hostTag.getAttribute('data-state'), 20_000).toBe('ready');

    const images = (await (await page.request.get('/api/images')).json()) as { items: Array<{ id: string; name: string; checksumSha256: string; sizeBytes: number }> };
    const image = images.items.find((i) => i.name === imageName)!;
    expect(image.sizeBytes).toBe(readFileSync(TINY).length);
    cleanup.push(async (api) => {
      const r = await api.delete(`/api/images/${image.id}`, { headers: headers() });
      const op = ((await r.json()) as { operation: { id: string } }).operation.id;
      await eventually(async () => ((await (await api.get(`/api/operations/${op}`)).json()) as { operation: { state: string } }).operation.state, 60_000).toMatch(/succeeded|failed|compensated/);
    });

    // A student sees the template and a VM made from it runs on the lab host.
    await page.context().clearCookies();
    await signedInAsNewUser(page, 'imgvm');
    const templates = (await (await page.request.get('/api/templates')).json()) as { items: Array<{ id: string; name: string }> };
    expect(templates.items.map((t) => t.name)).toContain(imageName);
    const created = await page.request.post('/api/vms', { data: { name: `vm-${suffix}`, templateId: image.id, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: headers() });
    expect(created.status(), await created.text()).toBe(202);
    const vm = ((await created.json()) as { vm: { id: string } }).vm;
    await page.goto(`/vms/${vm.id}`);
    await eventually(async () => ((await (await page.request.get(`/api/vms/${vm.id}`)).json()) as { vm: { state: string } }).vm.state, 120_000).toBe('running');
    // The student deletes the VM (the image can only go once no VM uses it).
    expect((await page.request.delete(`/api/vms/${vm.id}`, { headers: headers() })).status()).toBe(202);
    await eventually(async () => (await page.request.get(`/api/vms/${vm.id}`)).status(), 60_000).toBe(404);
  }, 240_000);
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request, type APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { deleteHostViaApi, logInViaApi, registerHostViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials, newIdempotencyKey } from '../support/env';

// A student keeps data on a volume across a VM's life in the browser: creates it next to a
// running VM, attaches it (live), sees the device and size on the VM page, deletes the VM
// keeping the volume, and deletes the volume. The admin's pool and the VM are set up through
// the API on a real lab host (scripts/lab).
const LAB_HOSTS_FILE = fileURLToPath(new URL('../../../.data/lab/hosts.json', import.meta.url));
const suffix = randomUUID().slice(0, 6);
const zone = `e2e-vol-${suffix}`;

let hostId = '';
let templateId = '';
let poolId = '';

async function asAdmin<T>(fn: (api: APIRequestContext) => Promise<T>): Promise<T> {
  const admin = adminCredentials();
  const api = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
  try {
    await logInViaApi(api, admin.email, admin.password);
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

const key = () => ({ 'Idempotency-Key': newIdempotencyKey() });

describe('volumes in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const labs = JSON.parse(readFileSync(LAB_HOSTS_FILE, 'utf8')) as Array<{ address: string; port: number; user: string; baseImage: string }>;
    const lab = labs[0];
    if (!lab) throw new Error(`${LAB_HOSTS_FILE} lists no lab host: run scripts/lab/lab up 1`);
    await asAdmin(async (api) => {
      hostId = (await registerHostViaApi(api, { name: `e2e-volhost-${suffix}`, address: lab.address, port: lab.port, sshUser: lab.user, zone })).id;
      const t = await api.post('/api/admin/templates', {
        data: { name: `tiny-vol-${suffix}`, osLabel: 'Tiny Linux', zone, imagePath: lab.baseImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 }, headers: key(),
      });
      if (t.status() !== 201) throw new Error(`template: ${t.status()} ${await t.text()}`);
      templateId = ((await t.json()) as { template: { id: string } }).template.id;
      const p = await api.post('/api/admin/storage-pools', { data: { hostId, name: `e2e-vol-${suffix}`, path: `/var/lib/libvirt/volumes-e2e-${suffix}`, reserveGiB: 1 }, headers: key() });
      if (p.status() !== 201) throw new Error(`pool: ${p.status()} ${await p.text()}`);
      poolId = ((await p.json()) as { pool: { id: string } }).pool.id;
    });
  });

  afterAll(async () => {
    await asAdmin(async (api) => {
      if (templateId) await api.delete(`/api/admin/templates/${templateId}`, { headers: key() });
      if (poolId) await api.delete(`/api/admin/storage-pools/${poolId}`, { headers: key() });
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  });

  it('creates a volume next to a VM, attaches it live, keeps it when the VM is deleted, then deletes it', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'volumes');
    const vmName = `vol-vm-${suffix}`;
    const created = await page.request.post('/api/vms', { data: { name: vmName, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: key() });
    expect(created.status()).toBe(202);
    const vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await expect.poll(async () => ((await (await page.request.get(`/api/vms/${vmId}`)).json()) as { vm: { state: string } }).vm.state, { timeout: 180_000, interval: 1000 }).toBe('running');

    await page.goto('/');
    await page.locator('[data-test="nav-volumes"]').click();
    await page.waitForURL((u) => u.pathname === '/volumes');
    await page.locator('[data-test="volumes-empty"]').waitFor();
    await page.locator('[data-test="volume-create"]').click();
    await page.locator('[data-test="volume-name"]').fill('notes');
    await page.locator('[data-test="volume-place-vm"]').click();
    await page.locator('.el-select-dropdown__item', { hasText: vmName }).click();
    await page.locator('[data-test="volume-create-submit"]').click();
    const row = page.locator('.el-table__row', { has: page.locator('[data-volume="notes"]') });
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 60_000, interval: 500 }).toMatch(/Ready/);

    await row.locator('[data-test="volume-attach"]').click();
    await page.locator('[data-test="volume-attach-vm"]').click();
    await page.locator('.el-select-dropdown__item', { hasText: `${vmName} · running: attached live` }).click();
    await page.locator('[data-test="volume-attach-submit"]').click();
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 60_000, interval: 500 }).toMatch(new RegExp(`${vmName}\\s*·\\s*vdb`));

    // The VM page shows the device and the size.
    await row.locator('[data-test="volume-vm"]').click();
    await page.waitForURL((u) => u.pathname === `/vms/${vmId}`);
    await expect.poll(async () => (await page.locator('[data-test="vm-volume-device"]').first().textContent())?.trim(), { timeout: 20_000 }).toBe('vdb');
    expect((await page.locator('[data-test="vm-volume-size"]').first().textContent())?.trim()).toBe('1 GiB');

    // Deleting the VM asks about its volumes; keeping is the default.
    await page.locator('[data-test="vm-detail-delete"]').click();
    await page.locator('[data-test="vm-delete-volumes"]').waitFor();
    expect((await page.locator('[data-test="vm-delete-volumes"] .el-radio.is-checked').textContent())?.trim()).toBe('Keep the volumes (detached, data intact)');
    await page.locator('.el-message-box .el-button--danger').click();

    await page.goto('/volumes');
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 120_000, interval: 1000 }).toMatch(/Not attached/);
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 30_000, interval: 1000 }).toMatch(/Ready/);

    await row.locator('[data-test="volume-delete"]').click();
    await page.locator('.el-message-box .el-button--danger').click();
    await page.locator('[data-test="volumes-empty"]').waitFor({ timeout: 60_000 });
  }, 400_000);
});

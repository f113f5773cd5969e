import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, deleteVmAs, labTemplate, type LabTemplate } from '../flows/lab-flow';
import { FlavorsPanel } from '../pages/admin-templates-page';
import { VmCreatePage } from '../pages/vms-page';
import { logInViaApi, signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually } from '../support/wait';

// A student saves an SSH key under Profile (a too-short RSA key is refused in words, the saved
// one shows its fingerprint), then creates a VM in the wizard with the key ticked, on the
// admin's named size the wizard starts on (the smallest that fits the template): the VM has
// that size, and the create request carries the key (keypairs.integration.test.ts finds it in
// the seed ISO on the host). On a lab host. An admin adds and deletes a size in Admin › Templates.

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII+UyNBtZrGPfUW2jq0IA2UVH7cf7LW2wPj6BTwuIArX ada@laptop';
const RSA_1024 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDTkdjzRVl09P6dfFOuUR908WX8BCyzdJi9PamJGfRKRm4elNJJwBSPiYaeX1rD/UbveEtrieyOMwp0hakUK15KwS+SejBsbvE/KTFK52bWdNraojMw+tZ+jAh7imLIwtVvM5lrPleTBHBfhf75TKKZtTw4JBFYbWQk1uN+T04uNQ== root@vm';
const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('keys'), password: PASSWORD, displayName: 'Key Student' };
let lab: LabTemplate | undefined;
let vmId = '';
let flavorId = '';
const flavorName = `e2e-xs-${suffix}`;

describe('key pairs and sizes in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'keys');
    // The seeded sizes have 10 GiB disks or more, too big for the tiny template (2 GiB at most).
    flavorId = await asAdmin(async (api) => {
      const res = await api.post('/api/admin/flavors', { data: { name: flavorName, vcpus: 1, memoryMiB: 256, diskGiB: 1 }, headers: { 'Idempotency-Key': newIdempotencyKey() } });
      if (res.status() !== 201) throw new Error(`flavor: ${res.status()} ${await res.text()}`);
      return ((await res.json()) as { flavor: { id: string } }).flavor.id;
    });
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
    if (flavorId) await asAdmin((api) => api.delete(`/api/admin/flavors/${flavorId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } }));
    await lab?.remove();
  });

  it('saves a key under Profile and installs it in a VM picked in the wizard', async () => {
    const page = fx.page;
    await signUpViaApi(page.request, student);
    await page.goto('/profile');
    await byTest(page, 'keys-empty').waitFor();

    await byTest(page, 'key-add').click();
    await byTest(page, 'key-name').fill('old-rsa');
    await byTest(page, 'key-public').fill(RSA_1024);
    await byTest(page, 'key-save').click();
    await page.getByText('an RSA key needs at least 2048 bits; this one has 1024').waitFor();

    await byTest(page, 'key-name').fill('laptop');
    await byTest(page, 'key-public').fill(ED25519);
    await byTest(page, 'key-save').click();
    await byTest(page, 'key-row').getByText('laptop', { exact: true }).waitFor();
    expect(await byTest(page, 'key-fingerprint').textContent()).toBe('SHA256:yPUbaimVc7M1pOgFURtgNhg8wPocDmXmkDVOsmXdrbA');
    await keepScreenshot(page, 'desktop', 'profile-keys');

    await page.goto('/vms/new');
    const wizard = new VmCreatePage(page);
    await wizard.waitForTemplates();
    await wizard.chooseTemplate(lab!.templateName);
    // The wizard starts on the smallest named size that fits, shown as a card with its prices.
    const card = page.locator(`[data-test="vm-flavor-card"][data-flavor-name="${flavorName}"]`);
    expect(await card.getAttribute('aria-checked')).toBe('true');
    expect(await card.textContent()).toMatch(/1 vCPU · 256 MiB · 1 GiB.*3 credits\/hour.*stopped: 1 credits\/hour/s);
    await keepScreenshot(page, 'desktop', 'vm-create-sizes');
    // The one saved key is ticked already.
    const pick = page.locator('[data-test="vm-key-pick"][data-key-name="laptop"]');
    await pick.waitFor();
    expect(await pick.locator('input').isChecked()).toBe(true);
    await wizard.name.fill(`keys-${suffix}`);
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/vms');
    await wizard.submit.click();
    const body = (await sent).postDataJSON() as { keyIds?: string[]; vcpus: number; memoryMiB: number; diskGiB: number };
    expect([body.vcpus, body.memoryMiB, body.diskGiB]).toEqual([1, 256, 1]);
    const saved = (await (await page.request.get('/api/me/keys')).json()) as { items: { id: string }[] };
    expect(body.keyIds).toEqual([saved.items[0]!.id]);
    await page.waitForURL((u) => /^\/vms\/[0-9a-f-]{36}$/.test(u.pathname));
    vmId = new URL(page.url()).pathname.split('/').pop()!;
  });

  it('an admin adds a size under Admin › Templates, is told under the field what the server refuses, and deletes it', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const sizes = new FlavorsPanel(page);
    await sizes.open();

    await sizes.add.click();
    await sizes.name.fill('Tiny');
    await sizes.save.click();
    await sizes.dialog.locator('.el-form-item__error', { hasText: 'lowercase letters, digits, dots and dashes; starts with a letter (max 32)' }).waitFor();

    const name = `e2e-ui-${suffix}`;
    await sizes.name.fill(name);
    await sizes.save.click();
    await page.getByText(`Size “${name}” added`).waitFor();
    const row = sizes.row(name);
    expect(await row.textContent()).toContain('1 vCPU · 1 GiB · 10 GiB');

    await sizes.deleteButton(row).click();
    await page.locator('.el-message-box .el-button--danger').click();
    await eventually(() => row.count()).toBe(0);
    const listed = (await (await page.request.get('/api/flavors')).json()) as { items: { name: string }[] };
    expect(listed.items.map((f) => f.name)).not.toContain(name);
  });
});

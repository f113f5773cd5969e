import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { labHostsFile, labZone, removeLabZone, type LabZone } from '../flows/lab-flow';
import { NetworkDetailPage, NetworksPage } from '../pages/networks-page';
import { VmCreatePage } from '../pages/vms-page';
import { useBrowser } from '../support/browser';
import { newIdempotencyKey } from '../support/env';

// A student creates a private network, a VM on it in the wizard, sees the VM's address on its
// page (allocated, then reported by the guest's agent), and adds an inbound rule. Real OVN on
// the lab: lab1 holds the OVN central (scripts/lab/ovn) and runs the VM.
const suffix = randomUUID().slice(0, 6);
const templateName = `tiny-net-${suffix}`;
let zone: Partial<LabZone> = {};

describe('private networks in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    zone = await labZone(lab, { hostName: `e2e-ovn-${suffix}`, zone: `e2e-net-${suffix}`, templateName, ovnCentral: true });
  });

  afterAll(async () => { await removeLabZone(zone); });

  it('creates a network, a VM on it, sees its IP, adds an inbound rule, and cleans up', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'netflow');
    const networks = new NetworksPage(page);
    await networks.openFromMenu();
    await networks.create.click();
    await networks.name.fill('web');
    await networks.submit.click();
    await expect.poll(async () => (await networks.state('web').textContent())?.trim(), { timeout: 60_000, interval: 500 }).toBe('Ready');
    // The dashboard's card names it (before: a "being rolled out" placeholder).
    await page.goto('/');
    const card = page.locator('[data-test="resource-networks"]');
    await expect.poll(() => card.getAttribute('data-count'), { timeout: 10_000, interval: 300 }).toBe('1');
    expect(await card.textContent()).toContain('web (10.200.0.0/24)');

    await page.goto('/vms/new');
    const wizard = new VmCreatePage(page);
    await wizard.waitForTemplates();
    await wizard.chooseTemplate(templateName);
    await wizard.name.fill(`net-${suffix}`);
    await page.locator('[data-test="vm-networks"]').click();
    await page.locator('[data-test="vm-network-option-web"]').click();
    await page.keyboard.press('Escape');
    await wizard.submit.click();
    await page.waitForURL((u) => /^\/vms\/[0-9a-f-]{36}$/.test(u.pathname));
    const vmId = new URL(page.url()).pathname.split('/').pop()!;
    const netId = ((await (await page.request.get('/api/networks')).json()) as { items: { id: string }[] }).items[0]!.id;
    try {
      await expect.poll(async () => (await page.locator('[data-test="vm-state"]').first().textContent())?.trim(), { timeout: 180_000, interval: 500 }).toMatch(/running/i);
      await expect.poll(async () => (await page.locator('[data-test="vm-nic-ip"]').first().textContent())?.trim(), { timeout: 30_000, interval: 1000 }).toBe('10.200.0.2');
      // The guest's own report arrives once its DHCP lease and agent are up (the page reloads the card on refresh).
      await expect.poll(async () => {
        await page.locator('[data-test="vm-detail-refresh"]').click();
        await page.reload();
        return (await page.locator('[data-test="vm-nic-guest"]').first().textContent())?.trim();
      }, { timeout: 120_000, interval: 3000 }).toBe('10.200.0.2');

      await networks.openFromMenu();
      await networks.link('web').click();
      const detail = new NetworkDetailPage(page);
      await expect.poll(async () => (await detail.portIps.first().textContent())?.trim(), { timeout: 10_000 }).toBe('10.200.0.2');
      await detail.rulePortFrom.fill('8080');
      await detail.ruleSource.fill('10.78.0.0/24');
      await detail.ruleAdd.click();
      await expect.poll(async () => (await detail.rulePorts.first().textContent())?.trim(), { timeout: 10_000 }).toBe('8080');
    } finally {
      // Clean up through the API (the VM list/delete flow is vm-lifecycle's subject), also on failure.
      // (409 while its create operation still runs.)
      await expect.poll(async () => (await page.request.delete(`/api/vms/${vmId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } })).status(), { timeout: 180_000, interval: 2000 }).toBe(202);
      await expect.poll(async () => (await page.request.delete(`/api/networks/${netId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } })).status(), { timeout: 120_000, interval: 2000 }).toBe(202);
      await expect.poll(async () => (await page.request.get(`/api/networks/${netId}`)).status(), { timeout: 60_000, interval: 1000 }).toBe(404);
    }
  }, 300_000);
});

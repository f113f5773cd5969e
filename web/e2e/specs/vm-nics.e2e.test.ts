import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { labHostsFile, labZone, removeLabZone, type LabZone } from '../flows/lab-flow';
import { VmNicsSection } from '../pages/networks-page';
import { useBrowser } from '../support/browser';
import { newIdempotencyKey } from '../support/env';

// A student attaches a second network to a shut-off VM on its page, sees the new address, and
// detaches it again. Setup (network, VM, power off) goes through the API. Real OVN on the lab.
const suffix = randomUUID().slice(0, 6);
const templateName = `tiny-nic-${suffix}`;
let zone: Partial<LabZone> = {};

const key = () => ({ 'Idempotency-Key': newIdempotencyKey() });
async function ended(api: APIRequestContext, opId: string): Promise<string> {
  for (;;) {
    const op = ((await (await api.get(`/api/operations/${opId}?waitMs=20000`)).json()) as { operation: { state: string } }).operation;
    if (/succeeded|failed|compensated/.test(op.state)) return op.state;
  }
}
type Accepted = { operation: { id: string }; vm?: { id: string }; network?: { id: string } };
async function accepted(res: Awaited<ReturnType<APIRequestContext['post']>>): Promise<Accepted> {
  if (res.status() !== 202) throw new Error(`${res.url()}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as Accepted;
}

describe('a VM\'s networks in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    zone = await labZone(lab, { hostName: `e2e-nic-${suffix}`, zone: `e2e-nic-${suffix}`, templateName, ovnCentral: true });
  });

  afterAll(async () => { await removeLabZone(zone); });

  it('attaches a second network to a shut-off VM, shows its address, detaches it', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'nicflow');
    const api = page.request;
    const vm = await accepted(await api.post('/api/vms', { data: { name: `nic-${suffix}`, templateId: zone.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: key() }));
    const vmId = vm.vm!.id;
    const netIds: string[] = [];
    try {
      expect(await ended(api, vm.operation.id)).toBe('succeeded');
      const lan = await accepted(await api.post('/api/networks', { data: { name: 'lan', cidr: '10.209.0.0/24' }, headers: key() }));
      netIds.push(lan.network!.id);
      expect(await ended(api, lan.operation.id)).toBe('succeeded');

      await page.goto(`/vms/${vmId}`);
      const nics = new VmNicsSection(page);
      await expect.poll(async () => nics.ips.count(), { timeout: 30_000 }).toBe(1);
      // Running: the section says to shut it down first.
      await expect.poll(async () => (await nics.hint.textContent())?.trim()).toBe('Shut the VM down to attach or detach networks.');
      expect(await ended(api, (await accepted(await api.post(`/api/vms/${vmId}/actions`, { data: { action: 'poweroff' }, headers: key() }))).operation.id)).toBe('succeeded');

      await expect.poll(async () => nics.attach.isEnabled(), { timeout: 30_000, interval: 500 }).toBe(true);
      await nics.pick('lan (10.209.0.0/24)');
      await nics.attach.click();
      await expect.poll(async () => nics.ips.allTextContents(), { timeout: 120_000, interval: 1000 }).toEqual([expect.stringMatching(/^10\.200\.0\.\d+$/), '10.209.0.2']);
      expect(await nics.networkNames.allTextContents()).toEqual(['default', 'lan']);
      await expect.poll(async () => (await nics.hint.textContent())?.trim()).toBe('The VM is on all your networks; create another on the Networks page.');

      await nics.detach(1);
      await expect.poll(async () => nics.ips.count(), { timeout: 120_000, interval: 1000 }).toBe(1);
      await expect.poll(async () => (await (await api.get(`/api/networks/${lan.network!.id}`)).json()).network.ports, { timeout: 10_000 }).toEqual([]);
      // One NIC left: nothing to detach.
      expect(await nics.detachButtons.count()).toBe(0);
    } finally {
      await expect.poll(async () => (await api.delete(`/api/vms/${vmId}`, { headers: key() })).status(), { timeout: 180_000, interval: 2000 }).toBe(202);
      const all = ((await (await api.get('/api/networks')).json()) as { items: { id: string }[] }).items.map((n) => n.id);
      for (const id of all) await expect.poll(async () => (await api.delete(`/api/networks/${id}`, { headers: key() })).status(), { timeout: 120_000, interval: 2000 }).toBe(202);
      for (const id of all) await expect.poll(async () => (await api.get(`/api/networks/${id}`)).status(), { timeout: 60_000, interval: 1000 }).toBe(404);
    }
  }, 300_000);
});

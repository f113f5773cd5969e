import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { deleteNetworksAs, deleteVmAs, labHostsFile, labZone, removeLabZone, type LabZone } from '../flows/lab-flow';
import { TunnelsPage } from '../pages/tunnels-page';
import type { TestUser } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey } from '../support/env';

// A student exposes their VM's web server in one click: on the Tunnels page, "VM port" picks
// the VM and port 80; the row shows the public address (the router's external address and a
// port of their block), and that address answers with the guest's page from this machine.
// Then by name: a name for the same port is refused in words while the forward holds it; once
// the forward is closed, the name serves the guest's page through the HTTP front.
// The VM is set up through the API on the lab (lab1 holds the OVN central).
const run = promisify(execFile);
const suffix = randomUUID().slice(0, 6);
const templateName = `tiny-fwd-${suffix}`;
let zone: Partial<LabZone> = {};
let student: TestUser | undefined;
let vmId = '';

describe('tunnels to a VM port in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    const lab = labHostsFile().find((l) => l.name === 'lab1');
    if (!lab) throw new Error('the lab has no lab1: run scripts/lab/lab up 2');
    zone = await labZone(lab, { hostName: `e2e-fwd-${suffix}`, zone: `e2e-fwd-${suffix}`, templateName, ovnCentral: true });
  });

  afterAll(async () => {
    if (student && vmId) await deleteVmAs(student, vmId).catch(() => {});
    if (student) await deleteNetworksAs(student).catch(() => {});
    await removeLabZone(zone);
  });

  it('forwards a port of my VM from the Tunnels page, lists it with its public address, and the address answers', async () => {
    const page = fx.page;
    student = await signedInAsNewUser(page, 'fwd');
    const vmName = `fwd-${suffix}`;
    const created = await page.request.post('/api/vms', {
      data: { name: vmName, templateId: zone.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 }, headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await expect.poll(async () => ((await (await page.request.get(`/api/vms/${vmId}`)).json()) as { vm: { state: string } }).vm.state, { timeout: 180_000, interval: 1000 }).toBe('running');

    const tunnels = new TunnelsPage(page);
    await tunnels.open();
    await tunnels.forwardVmPort(vmName, 80);
    const row = tunnels.row('tcp://');
    await row.waitFor();
    const where = (await row.locator('[data-test="tunnel-row"]').textContent())?.trim() ?? '';
    const address = /tcp:\/\/(10\.78\.0\.\d+:\d+)/.exec(where)?.[1];
    expect(address, where).toBeDefined();
    // The row says where it goes: the VM by name and its port.
    expect(await row.locator('[data-test="tunnel-target"]').textContent()).toContain(`${vmName}:80`);
    expect(await row.textContent()).toContain('Forward');
    expect((await tunnels.quota.textContent())?.trim()).toMatch(/^1 /);

    // The address the page shows is where the guest's web server answers (once it has booted).
    const curl = async () => {
      try {
        return (await run('curl', ['-fsS', '--max-time', '3', `http://${address}/`], { encoding: 'utf8' })).stdout;
      } catch {
        return '';
      }
    };
    await expect.poll(curl, { timeout: 180_000, interval: 2000 }).toContain(`<h1>${vmName}</h1>`);

    // A name for the same VM port: refused in words while the forward holds the port.
    const name = `web${suffix}`;
    await tunnels.nameVmPort(name, vmName, 80);
    await page.locator('.el-message', { hasText: 'Port 80 of this VM is already published by another tunnel' }).waitFor();
    await tunnels.close(row);
    await row.waitFor({ state: 'detached' });
    await byTest(page, 'tunnels-reserve-submit').click();
    const named = tunnels.row(`${name}.`);
    await named.waitFor();
    expect(await named.locator('[data-test="tunnel-target"]').textContent()).toContain(`${vmName}:80`);
    expect(await named.locator('[data-test="tunnel-state"]').textContent()).toContain('Open');
    const { gateway } = (await (await page.request.get('/api/tunnels')).json()) as { gateway: { appsPort: number; appsDomain: string } };
    const viaFront = async () => {
      try {
        return (await run('curl', ['-sS', '--max-time', '3', '-H', `Host: ${name}.${gateway.appsDomain}`, `http://127.0.0.1:${gateway.appsPort}/`], { encoding: 'utf8' })).stdout;
      } catch {
        return '';
      }
    };
    await expect.poll(viaFront, { timeout: 60_000, interval: 1000 }).toContain(`<h1>${vmName}</h1>`);
  }, 420_000);
});

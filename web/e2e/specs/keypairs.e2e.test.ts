import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteVmAs, labTemplate, type LabTemplate } from '../flows/lab-flow';
import { VmCreatePage } from '../pages/vms-page';
import { signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';

// A student saves an SSH key under Profile (a too-short RSA key is refused in words, the saved
// one shows its fingerprint), then creates a VM in the wizard with the key ticked: the create
// request carries it (the integration test keypairs.integration.test.ts finds it in the seed
// ISO on the host). On a lab host.

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII+UyNBtZrGPfUW2jq0IA2UVH7cf7LW2wPj6BTwuIArX ada@laptop';
const RSA_1024 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDTkdjzRVl09P6dfFOuUR908WX8BCyzdJi9PamJGfRKRm4elNJJwBSPiYaeX1rD/UbveEtrieyOMwp0hakUK15KwS+SejBsbvE/KTFK52bWdNraojMw+tZ+jAh7imLIwtVvM5lrPleTBHBfhf75TKKZtTw4JBFYbWQk1uN+T04uNQ== root@vm';
const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('keys'), password: PASSWORD, displayName: 'Key Student' };
let lab: LabTemplate | undefined;
let vmId = '';

describe('key pairs in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'keys');
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
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
    // The one saved key is ticked already.
    const pick = page.locator('[data-test="vm-key-pick"][data-key-name="laptop"]');
    await pick.waitFor();
    expect(await pick.locator('input').isChecked()).toBe(true);
    await wizard.name.fill(`keys-${suffix}`);
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/vms');
    await wizard.submit.click();
    const body = (await sent).postDataJSON() as { keyIds?: string[] };
    const saved = (await (await page.request.get('/api/me/keys')).json()) as { items: { id: string }[] };
    expect(body.keyIds).toEqual([saved.items[0]!.id]);
    await page.waitForURL((u) => /^\/vms\/[0-9a-f-]{36}$/.test(u.pathname));
    vmId = new URL(page.url()).pathname.split('/').pop()!;
  });
});

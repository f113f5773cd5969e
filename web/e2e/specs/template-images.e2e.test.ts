import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { request, type APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, labHostsFile } from '../flows/lab-flow';
import { AdminTemplatesPage } from '../pages/admin-templates-page';
import { deleteHostViaApi, logInViaApi, registerHostViaApi, signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// Admin › Templates as an admin checks it, on a real lab host registered in a zone of its own:
// the zone field offers that zone, the image path is picked from what the host holds, the
// dialog and the row say the image is present on the host; a path no host has is refused in
// words with the host's answer; a template whose creates keep failing wears a badge.

const suffix = randomUUID().slice(0, 6);
const zone = `e2e-img-${suffix}`;
const hostName = `e2e-img-${suffix}`;
const [lab] = labHostsFile();
const baseDir = lab!.baseImage.slice(0, lab!.baseImage.lastIndexOf('/'));
/** An image the test puts on the host and takes away again (the platform is not told). */
const fragileImage = `${baseDir}/e2e-fragile-${suffix}.qcow2`;
const KEY = fileURLToPath(new URL('../../../.data/ssh/id_ed25519', import.meta.url));
let hostId = '';
const templateIds: string[] = [];

/** A command on the lab host as its operator would type it (constant paths only). */
const onHost = (...argv: string[]) =>
  execFileSync('ssh', ['-F', '/dev/null', '-i', KEY, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(lab!.port), `${lab!.user}@${lab!.address}`, ...argv]);

const send = (api: APIRequestContext, method: 'post' | 'delete', url: string, data?: unknown) =>
  api[method](url, { ...(data ? { data } : {}), headers: { 'Idempotency-Key': newIdempotencyKey() } });

describe('template images on the hosts', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    hostId = await asAdmin(async (api) => (await registerHostViaApi(api, { name: hostName, address: lab!.address, port: lab!.port, sshUser: lab!.user, zone })).id);
  });

  afterAll(async () => {
    onHost('rm', '-f', '--', fragileImage);
    await asAdmin(async (api) => {
      for (const id of templateIds) await send(api, 'delete', `/api/admin/templates/${id}`);
      if (hostId) await deleteHostViaApi(api, hostId).catch(() => {});
    });
  });

  it('an admin picks a zone hosts are in and an image the host holds; the dialog and the row say it is present', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const templates = new AdminTemplatesPage(page);
    await templates.openFromMenu();
    await templates.createButton.click();
    const dialog = templates.dialog;
    await dialog.name.fill(`picked-${suffix}`);
    await dialog.osLabel.fill('Tiny Linux (picked)');
    await dialog.pick(dialog.zone, zone);
    // The picker lists what the zone's host holds, with the host's name.
    await dialog.imagePath.click();
    const option = dialog.options(lab!.baseImage).first();
    expect(await option.textContent()).toContain(`on ${hostName}`);
    await option.click();
    await eventually(async () => (await dialog.hostChecks.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(new RegExp(`^${hostName}: present\\s*qcow2, \\d`)),
    ]);
    await keepScreenshot(page, 'desktop', 'admin-template-dialog-picker');
    await dialog.submit.click();
    await dialog.root.waitFor({ state: 'hidden' });
    const row = templates.row(`picked-${suffix}`);
    await row.waitFor();
    expect((await templates.hostChecks(row).allTextContents()).map((s) => s.trim())).toEqual([`${hostName}: present`]);
    expect(await templates.isEnabled(row)).toBe(true);
    const saved = ((await (await page.request.get('/api/admin/templates')).json()) as { items: { id: string; name: string; zone: string; imagePath: string }[] })
      .items.find((t) => t.name === `picked-${suffix}`)!;
    templateIds.push(saved.id);
    expect(saved).toMatchObject({ zone, imagePath: lab!.baseImage });
  });

  it('a path no host has cannot be saved on an offered template: the dialog says so, per host', async () => {
    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const templates = new AdminTemplatesPage(page);
    await templates.openFromMenu();
    const row = templates.row(`picked-${suffix}`);
    await templates.editButton(row).click();
    const dialog = templates.dialog;
    await dialog.name.waitFor();
    const missing = `${baseDir}/nowhere-${suffix}.qcow2`;
    await dialog.type(dialog.imagePath, missing);
    await eventually(async () => (await dialog.hostChecks.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(new RegExp(`^${hostName}: missing\\s*No file ${missing} on ${hostName}\\.$`)),
    ]);
    await dialog.submit.click();
    await dialog.root.getByText('No host of the zone has a usable copy of this image, so the template cannot be offered.').waitFor();
    expect(await dialog.root.isVisible()).toBe(true);
    await keepScreenshot(page, 'desktop', 'admin-template-image-missing');
    const kept = ((await (await page.request.get('/api/admin/templates')).json()) as { items: { name: string; imagePath: string }[] })
      .items.find((t) => t.name === `picked-${suffix}`);
    expect(kept?.imagePath).toBe(lab!.baseImage);
  });

  it('a template whose creates keep failing wears a badge on the templates page', async () => {
    onHost('cp', '--', lab!.baseImage, fragileImage);
    const templateId = await asAdmin(async (api) => {
      const res = await send(api, 'post', '/api/admin/templates', { name: `fragile-${suffix}`, osLabel: 'Fragile', zone, imagePath: fragileImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 });
      expect(res.status()).toBe(201);
      return ((await res.json()) as { template: { id: string } }).template.id;
    });
    templateIds.push(templateId);
    onHost('rm', '-f', '--', fragileImage);

    const student = await request.newContext({ baseURL: process.env.E2E_BASE_URL });
    try {
      await signUpViaApi(student, { email: uniqueEmail('fragile'), password: PASSWORD, displayName: 'Fragile' });
      for (let i = 0; i < 3; i++) {
        const created = await send(student, 'post', '/api/vms', { name: `fragile-${suffix}-${i}`, templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
        expect(created.status()).toBe(202);
        const opId = ((await created.json()) as { operation: { id: string } }).operation.id;
        await pollUntil(async () => ((await (await student.get(`/api/operations/${opId}`)).json()) as { operation: { state: string } }).operation.state,
          (s) => s === 'failed' || s === 'compensated', 120_000, 'the create to fail');
      }
    } finally {
      await student.dispose();
    }

    const page = fx.page;
    const admin = adminCredentials();
    await logInViaApi(page.request, admin.email, admin.password);
    const templates = new AdminTemplatesPage(page);
    await templates.openFromMenu();
    const row = templates.row(`fragile-${suffix}`);
    expect((await templates.failingBadge(row).textContent())?.trim()).toBe('Creates failing: 3 in a row');
    await expect.poll(async () => (await templates.failingBadge(templates.row(`picked-${suffix}`)).count())).toBe(0);
    await keepScreenshot(page, 'desktop', 'admin-templates-failing');
  });
});

import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteVmAs, labTemplate, vmStateOf, type LabTemplate } from '../flows/lab-flow';
import { signUpViaApi } from '../support/api';
import { PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// The console as a student uses it on a lab VM: the VM's name on the toolbar, full screen and
// back, 1:1 or fitted, text from the clipboard typed as key presses, a pop-out window that
// connects by itself under the VM's name, and the serial log showing what the guest printed
// while it booted.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('console'), password: PASSWORD, displayName: 'Console User' };
const vmName = `con-${suffix}`;
let lab: LabTemplate | undefined;
let vmId = '';

const vmState = (api: APIRequestContext) => vmStateOf(api, vmId);

describe('the VM console', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'con');
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
    await lab?.remove();
  });

  it('goes full screen, scales, pastes as keystrokes, pops out, and shows the serial log', async () => {
    const page = fx.page;
    await signUpViaApi(page.request, student);
    const created = await page.request.post('/api/vms', {
      data: { name: vmName, templateId: lab!.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 },
      headers: { 'Idempotency-Key': newIdempotencyKey() },
    });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await pollUntil(() => vmState(page.request), (s) => s === 'running', 120_000, 'the VM to run');

    await page.goto(`/vms/${vmId}`);
    await byTest(page, 'console-connect').click();
    await page.locator('[data-test="console-status"][data-status="connected"]').waitFor({ timeout: 30_000 });
    const canvas = page.locator('[data-test="console-canvas"] canvas').first();
    await canvas.waitFor();
    // The toolbar names the VM, not its libvirt domain.
    expect(await byTest(page, 'console-vm-name').textContent()).toBe(vmName);

    // Full screen and back: the console (toolbar included) becomes the document's full-screen element.
    await byTest(page, 'console-fullscreen').click();
    await eventually(() => byTest(page, 'console').getAttribute('data-fullscreen')).toBe('true');
    expect(await page.evaluate(() => document.fullscreenElement?.getAttribute('data-test'))).toBe('console');
    expect(await byTest(page, 'console-fullscreen').textContent()).toContain('Exit full screen');
    await byTest(page, 'console-fullscreen').click();
    await eventually(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);

    // Fitted (the default) the screen fills the frame; unfitted it is shown pixel for pixel.
    const fitted = await canvas.boundingBox();
    await byTest(page, 'console-scale').click();
    await eventually(() => byTest(page, 'console-canvas').getAttribute('data-scaled')).toBe('false');
    await eventually(async () => (await canvas.boundingBox())?.width).toBe(await canvas.evaluate((c: HTMLCanvasElement) => c.width));
    expect(fitted!.width).not.toBe((await canvas.boundingBox())!.width);
    await byTest(page, 'console-scale').click();

    // Paste: the box opens with what the clipboard holds, and the text is typed into the VM.
    await fx.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.evaluate(() => navigator.clipboard.writeText('echo Hello:World'));
    await byTest(page, 'console-paste').click();
    // (el-input puts its attributes on the textarea itself.)
    const box = page.locator('textarea[data-test="console-paste-text"]');
    await eventually(() => box.inputValue()).toBe('echo Hello:World');
    await byTest(page, 'console-paste-send').click();
    await page.getByText('Typed 16 characters into the VM.').waitFor();

    await keepScreenshot(page, 'desktop', 'vm-console');

    // Pop out: a window of its own, titled with the VM's name, connects by itself; this page lets go.
    const [popup] = await Promise.all([fx.context.waitForEvent('page'), byTest(page, 'console-popout').click()]);
    await popup.waitForLoadState();
    await popup.locator('[data-test="console-status"][data-status="connected"]').waitFor({ timeout: 30_000 });
    await eventually(() => popup.title()).toContain(vmName);
    expect(await byTest(popup, 'console-popout').count()).toBe(0);
    await eventually(() => byTest(page, 'console-status').getAttribute('data-status')).not.toBe('connected');
    await keepScreenshot(popup, 'desktop', 'vm-console-window');
    await popup.close();

    // The serial log: the tiny guest's boot, ending with its ready line naming its hostname.
    await page.locator('#tab-serial').click();
    await eventually(async () => (await byTest(page, 'serial-log-text').textContent()) ?? '', 90_000).toContain(`CCLAB-GUEST-READY hostname=${vmName}`);
    expect(await byTest(page, 'serial-log-text').textContent()).toContain('Linux version');
    await keepScreenshot(page, 'desktop', 'vm-serial-log');
    await page.setViewportSize(PHONE);
    await byTest(page, 'serial-log-text').waitFor();
    await keepScreenshot(page, 'phone', 'vm-serial-log');
    await page.locator('#tab-screen').click();
    await keepScreenshot(page, 'phone', 'vm-console');
  });
});

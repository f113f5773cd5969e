import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { VmCreatePage, VmsPage } from '../pages/vms-page';
import { labTemplate, type LabTemplate } from '../flows/lab-flow';
import { useBrowser } from '../support/browser';

// A student creates a VM in the wizard, watches it reach running, opens the console and sees
// the VNC canvas connect, then deletes the VM. Runs on a real lab host (scripts/lab): CI
// brings the lab up before the tests.
const suffix = randomUUID().slice(0, 6);
let lab: LabTemplate | undefined;

describe('a VM in the browser', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'vm');
  });

  afterAll(async () => {
    await lab?.remove();
  });

  it('creates a VM in the wizard, sees it run, connects the console, deletes it', async () => {
    const page = fx.page;
    await signedInAsNewUser(page, 'vmflow');
    const vms = new VmsPage(page);
    await vms.openFromMenu();
    await vms.emptyCreateButton.click();
    const wizard = new VmCreatePage(page);
    await wizard.waitForTemplates();
    await wizard.chooseTemplate(lab!.templateName);
    const name = `web-${suffix}`;
    await wizard.name.fill(name);
    await wizard.submit.click();

    // The detail page follows the create operation until the VM runs.
    await page.waitForURL((u) => /^\/vms\/[0-9a-f-]{36}$/.test(u.pathname));
    await expect.poll(async () => (await page.locator('[data-test="vm-state"]').first().textContent())?.trim(), { timeout: 120_000, interval: 500 }).toMatch(/running/i);

    await page.locator('[data-test="console-connect"]').click();
    await page.locator('[data-test="console-status"][data-status="connected"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-test="console-canvas"] canvas').first().waitFor();

    await page.locator('[data-test="vm-detail-delete"]').click();
    await page.locator('.el-message-box .el-button--danger, .el-message-box .el-button--primary').first().click();
    await vms.openFromMenu();
    await expect.poll(async () => page.locator(`text=${name}`).count(), { timeout: 90_000, interval: 1000 }).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInThroughUi } from '../flows/auth-flow';
import { asAdmin, deleteVmAs, labHostsFile, labTemplate, onLab, virshOnLab, vmStateOf, type LabTemplate } from '../flows/lab-flow';
import { signUpViaApi } from '../support/api';
import { PHONE, useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { adminCredentials, newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { horizontalOverflow, keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// What an administrator checks on a lab host: the home page is the platform (the host up, what
// is allocated on it, a failed create with the host's own words); the host's page lists the
// student's VM with owner, size and state; the tree puts it under zone and host; "reconcile
// now" lists what it found (a domain nobody at the platform made) instead of a toast.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('overview'), password: PASSWORD, displayName: 'Overview Student' };
const vmName = `ovw-${suffix}`;
const ghost = `e2e-ghost-${suffix}`;
let lab: LabTemplate | undefined;
let brokenTemplateId = '';
let vmId = '';
let brokenVmId = '';

const send = (api: APIRequestContext, url: string, data: unknown) => api.post(url, { data, headers: { 'Idempotency-Key': newIdempotencyKey() } });

describe('the admin home and what runs where', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'ovw');
    // A template whose image went missing from the host after it was checked (a template is
    // only offered while its image is there): a create from it fails at the first step.
    const base = path.posix.dirname(labHostsFile()[0]!.baseImage);
    const brokenImage = `${base}/missing-${suffix}.qcow2`;
    onLab(['cp', '--', labHostsFile()[0]!.baseImage, brokenImage]);
    try {
      brokenTemplateId = await asAdmin(async (api) => {
        const res = await send(api, '/api/admin/templates', { name: `broken-${suffix}`, osLabel: 'Broken', zone: `e2e-ovw-${suffix}`, imagePath: brokenImage, defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 });
        if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
        return ((await res.json()) as { template: { id: string } }).template.id;
      });
    } finally {
      onLab(['rm', '-f', '--', brokenImage]);
    }
    virshOnLab(['define', '/dev/stdin'], `<domain type='qemu'><name>${ghost}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`);
  });

  afterAll(async () => {
    try { virshOnLab(['undefine', ghost]); } catch { /* already gone */ }
    if (vmId) await deleteVmAs(student, vmId);
    // The rolled-back create's row (state error) is on the host too: a host with VMs is not deleted.
    if (brokenVmId) await deleteVmAs(student, brokenVmId);
    if (brokenTemplateId) await asAdmin((api) => api.delete(`/api/admin/templates/${brokenTemplateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } }));
    await lab?.remove();
  });

  it("shows the platform on the admin's home, the host's VMs, the tree, and what reconcile found", async () => {
    const page = fx.page;
    // The student's VM, and a create that fails (through the API: setup, not under test).
    await signUpViaApi(page.request, student);
    const created = await send(page.request, '/api/vms', { name: vmName, templateId: lab!.templateId, vcpus: 1, memoryMiB: 128, diskGiB: 1 });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    const broken = await send(page.request, '/api/vms', { name: `${vmName}-broken`, templateId: brokenTemplateId, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
    expect(broken.status()).toBe(202);
    const state = (id: string) => vmStateOf(page.request, id);
    await pollUntil(() => state(vmId), (s) => s === 'running', 120_000, 'the VM to run');
    const brokenId = ((await broken.json()) as { vm: { id: string } }).vm.id;
    brokenVmId = brokenId;
    await pollUntil(() => state(brokenId), (s) => s === 'error' || s === 'deleted', 120_000, 'the broken create to fail');
    // A refused request, for the audit log: the VM runs already.
    const refused = await send(page.request, `/api/vms/${vmId}/actions`, { action: 'start' });
    expect(refused.status()).toBe(409);
    const refusedWords = ((await refused.json()) as { error: { message: string } }).error.message;
    // The student reads why the create failed in words: not the command, not the host's address.
    await page.goto(`/vms/${brokenId}`);
    await page.getByText('This template is not usable right now; the administrators have been told. You were not charged.').first().waitFor();
    const studentSees = (await page.locator('main').textContent()) ?? '';
    expect(studentSees).not.toContain('qemu-img');
    expect(studentSees).not.toContain('10.77.0.');
    await keepScreenshot(page, 'desktop', 'vm-create-failed');
    await fx.context.clearCookies();

    // The admin lands on the platform: the lab host is up, with the VM's share allocated.
    const admin = adminCredentials();
    await logInThroughUi(page, admin.email, admin.password);
    const host = page.locator(`[data-test="overview-host"][data-name="e2e-ovw-${suffix}"]`);
    await host.waitFor();
    expect(await host.getAttribute('data-status')).toBe('ready');
    // The failed create was rolled back: only the running VM is on the host.
    expect(await host.textContent()).toContain('VMs: 1 · containers: 0');
    expect(await host.locator('[data-test="host-allocation-vcpus"]').textContent()).toMatch(/vCPUs\s*[1-9]\d* of \d+/);
    // The failed create, with the host's own words (admins only).
    const failed = byTest(page, 'overview-failed-op').filter({ hasText: `${vmName}-broken` });
    await failed.waitFor();
    expect(await failed.locator('[data-test="operation-error-detail"]').textContent()).toContain(`missing-${suffix}`);
    await keepScreenshot(page, 'desktop', 'admin-home');

    // The host's page lists the student's VM with its owner, size and state.
    await host.locator('a').first().click();
    const row = page.locator(`[data-test="host-instance"][data-name="${vmName}"]`);
    await row.waitFor();
    const table = byTest(page, 'host-instances-table');
    expect(await table.textContent()).toContain(student.email);
    expect(await table.textContent()).toContain('1 vCPU');
    expect(await table.textContent()).toContain('running');
    await keepScreenshot(page, 'desktop', 'admin-host-instances');

    // The tree: zone -> host -> the VM.
    await page.goto('/admin/tree');
    await page.locator(`[data-test="tree-vm"][data-name="${vmName}"]`).waitFor();
    expect(await page.locator(`[data-test="tree-zone"][data-name="e2e-ovw-${suffix}"]`).count()).toBe(1);
    await keepScreenshot(page, 'desktop', 'admin-tree');

    // Reconcile now: the domain nobody at the platform made is listed.
    await page.goto('/admin/findings');
    await byTest(page, 'findings-reconcile').click();
    const found = page.locator(`[data-test="reconcile-found"][data-domain="${ghost}"]`);
    await found.waitFor({ timeout: 60_000 });
    // (Marked new unless the minutely scheduled pass saw it first: the integration test pins "new" down.)
    expect(await found.textContent()).toContain('is not a VM the platform knows');
    expect(await byTest(page, 'reconcile-summary').textContent()).toMatch(/^Compared \d+ hosts/);
    await keepScreenshot(page, 'desktop', 'admin-reconcile');

    // The audit log names the action and the VM, and says why the start was refused.
    await page.goto('/admin/audit');
    const refusedRow = page.locator('tr').filter({ has: page.locator('[data-test="audit-row"]', { hasText: /^vm\.start$/ }) }).first();
    await refusedRow.waitFor();
    expect(await refusedRow.locator('[data-test="audit-row-target"]').textContent()).toBe(`vm ${vmName}`);
    expect(await refusedRow.locator('[data-test="audit-row-error"]').textContent()).toBe(refusedWords);
    await keepScreenshot(page, 'desktop', 'admin-audit');

    // The same pages on a phone.
    await page.setViewportSize(PHONE);
    await page.goto('/');
    await host.waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'phone', 'admin-home');
    await page.goto(`/admin/hosts/${lab!.hostId}`);
    await eventually(() => page.locator('[data-test="host-instance"]').count(), 15_000).toBeGreaterThan(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'phone', 'admin-host-instances');
    await page.goto('/admin/tree');
    await page.locator(`[data-test="tree-vm"][data-name="${vmName}"]`).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'phone', 'admin-tree');
  });
});

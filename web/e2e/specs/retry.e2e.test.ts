import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { APIRequestContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, deleteVmAs, labHostsFile, labTemplate, onLab, vmStateOf, type LabTemplate } from '../flows/lab-flow';
import { signUpViaApi } from '../support/api';
import { useBrowser } from '../support/browser';
import { byTest } from '../support/dom';
import { newIdempotencyKey, PASSWORD, uniqueEmail } from '../support/env';
import { keepScreenshot } from '../support/screens';
import { eventually, pollUntil } from '../support/wait';

// A step that fails and will be tried again reads as retrying, with the attempt, never as
// failed; when the next try works the create simply succeeds. On a lab host: the template's
// image is unreadable (not a qcow2) for the first try of "Clone the disk", whole again for the next.

const suffix = randomUUID().slice(0, 6);
const student = { email: uniqueEmail('retry'), password: PASSWORD, displayName: 'Retry Student' };
let lab: LabTemplate | undefined;
let templateId = '';
let vmId = '';
const base = () => labHostsFile()[0]!.baseImage;
const flaky = () => `${path.posix.dirname(base())}/flaky-${suffix}.qcow2`;

const send = (api: APIRequestContext, url: string, data: unknown) => api.post(url, { data, headers: { 'Idempotency-Key': newIdempotencyKey() } });

describe('a step being retried', () => {
  const fx = useBrowser();

  beforeAll(async () => {
    lab = await labTemplate(suffix, 'retry');
    onLab(['cp', '--', base(), flaky()]);
    templateId = await asAdmin(async (api) => {
      const res = await send(api, '/api/admin/templates', { name: `flaky-${suffix}`, osLabel: 'Flaky', zone: `e2e-retry-${suffix}`, imagePath: flaky(), defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64 });
      if (res.status() !== 201) throw new Error(`template: ${res.status()} ${await res.text()}`);
      return ((await res.json()) as { template: { id: string } }).template.id;
    });
  });

  afterAll(async () => {
    if (vmId) await deleteVmAs(student, vmId);
    if (templateId) await asAdmin((api) => api.delete(`/api/admin/templates/${templateId}`, { headers: { 'Idempotency-Key': newIdempotencyKey() } }));
    onLab(['rm', '-f', '--', flaky()]);
    await lab?.remove();
  });

  it('shows "Retrying (try 2)", not Failed, and the create then succeeds', async () => {
    const page = fx.page;
    await signUpViaApi(page.request, student);
    // The image is there but is not a qcow2 any more: qemu-img cannot use it as a backing file.
    onLab(['truncate', '-s', '0', '--', flaky()]);
    onLab(['truncate', '-s', '1M', '--', flaky()]);
    const created = await send(page.request, '/api/vms', { name: `retry-${suffix}`, templateId, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
    expect(created.status()).toBe(202);
    vmId = ((await created.json()) as { vm: { id: string } }).vm.id;
    await page.goto(`/vms/${vmId}`);

    const clone = page.locator('[data-test="operation-step"][data-step="clone-disk"]');
    await eventually(() => clone.getAttribute('data-state'), 60_000).toBe('retrying');
    expect(await clone.locator('[data-test="operation-step-state"]').textContent()).toMatch(/^Retrying \(try [23]\)$/);
    expect(await byTest(page, 'operation-state').textContent()).not.toMatch(/Failed/);
    expect(await page.getByText('Failed', { exact: true }).count()).toBe(0);
    await keepScreenshot(page, 'desktop', 'vm-create-retrying');

    // The image is whole again before the next try: the create carries on and succeeds.
    onLab(['cp', '--', base(), flaky()]);
    await pollUntil(() => vmStateOf(page.request, vmId), (s) => s === 'running' || s === 'error', 120_000, 'the create to end');
    expect(await vmStateOf(page.request, vmId)).toBe('running');
    await eventually(() => byTest(page, 'operation-state').getAttribute('data-state'), 30_000).toBe('succeeded');
    expect(await clone.getAttribute('data-state')).toBe('done');
  });
});

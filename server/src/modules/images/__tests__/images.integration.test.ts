import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { finished, onHost, prepareLab, vmBody } from '../../vms/__tests__/vm-lab.js';
import { sendParts, sha256 } from '../../oss/__tests__/oss-support.js';
import { objectStore } from '../../oss/oss-store.js';
import { config } from '../../../config.js';

// Image import end to end: the lab's tiny qcow2 goes from a "browser" to the images bucket by
// presigned URLs, the platform imports it to both lab hosts (checksum verified on each), and a
// VM made from it runs. Hostile images are refused before they reach a host.

const TINY = '/var/cache/cclab/tiny.qcow2';
let srv: TestServer;
let admin: Client;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => {
  for (const t of await db.template.findMany({ where: { sourceKey: { not: null } }, include: { hosts: { include: { host: true } } } })) {
    for (const h of t.hosts) await (await driversFor(h.host)).hypervisor.removeImportedImage(h.path).catch(() => undefined);
    if (t.sourceKey) await objectStore().delete(config.OSS_IMAGES_BUCKET, t.sourceKey).catch(() => undefined);
  }
  await stopOperations(); await srv.close(); await closeHostConnections();
});
beforeEach(async () => {
  // Images imported by earlier tests leave the hosts with their VMs (prepareLab) and here.
  for (const t of await db.template.findMany({ where: { sourceKey: { not: null } }, include: { hosts: { include: { host: true } } } })) {
    for (const h of t.hosts) await (await driversFor(h.host)).hypervisor.removeImportedImage(h.path).catch(() => undefined);
  }
  ({ admin } = await prepareLab(srv.url));
});

const sizes = { defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 };

/** Uploads `data` as an image through the API and presigned URLs; returns the import operation. */
async function uploadImage(c: Client, name: string, data: Buffer, extra: Record<string, unknown> = {}) {
  const began = await c.post('/api/images', { name, osLabel: 'Tiny Linux', fileName: 'tiny.qcow2', size: data.length, zone: 'lab', ...sizes, ...extra });
  expect(began.status, JSON.stringify(began.body)).toBe(201);
  const { image, upload, url } = began.body;
  if (upload.mode === 'single') expect((await fetch(url, { method: 'PUT', body: new Uint8Array(data) })).status).toBe(200);
  else await sendParts(c, `/api/images/${image.id}/uploads/${upload.id}`, data, upload.partSize, Array.from({ length: upload.partCount }, (_, i) => i + 1));
  const done = await c.post(`/api/images/${image.id}/uploads/${upload.id}/complete`);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return { imageId: image.id as string, operationId: done.body.operation.id as string };
}

describe('image import', () => {
  it('copies an uploaded qcow2 to both hosts with its checksum verified, and a VM made from it runs', async () => {
    const data = readFileSync(TINY);
    const { imageId, operationId } = await uploadImage(admin, 'tiny-imported', data);
    const op = await finished(admin, operationId);
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.steps.map((s) => s.name)).toEqual(['inspect', 'copy-to-hosts', 'register']);
    const copy = op.steps[1] as unknown as { progress: { done: number; total: number } };
    expect(copy.progress).toMatchObject({ done: data.length * 2, total: data.length * 2 });

    const image = (await admin.get(`/api/images/${imageId}`)).body.image;
    expect(image).toMatchObject({ status: 'ready', enabled: true, public: true, format: 'qcow2', sizeBytes: data.length, checksumSha256: sha256(data) });
    expect(image.hosts.map((h: { state: string }) => h.state)).toEqual(['ready', 'ready']);
    for (const row of await db.templateHost.findMany({ where: { templateId: imageId }, include: { host: true } })) {
      expect(await (await driversFor(row.host)).hypervisor.fileSha256(row.path)).toBe(sha256(data));
    }

    const student = new Client(srv.url);
    await student.signup();
    expect((await student.get('/api/templates')).body.items.map((t: { name: string }) => t.name)).toContain('tiny-imported');
    const vm = await student.post('/api/vms', vmBody(imageId));
    expect(vm.status, JSON.stringify(vm.body)).toBe(202);
    expect((await finished(student, vm.body.operation.id)).state).toBe('succeeded');
    expect((await onHost(vm.body.vm.id)).state).toBe('running');
    // Deleting an image a VM uses is refused in words; the VM goes first.
    const refused = await admin.delete(`/api/images/${imageId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/still use this image/);
    expect((await finished(student, (await student.delete(`/api/vms/${vm.body.vm.id}`)).body.operation.id)).state).toBe('succeeded');
    const removal = await admin.delete(`/api/images/${imageId}`);
    expect(removal.status).toBe(202);
    expect((await finished(admin, removal.body.operation.id)).state).toBe('succeeded');
    for (const row of await db.host.findMany()) {
      expect(await (await driversFor(row)).hypervisor.fileExists(`${row.imageDir}/base/img-${imageId}.qcow2`)).toBe(false);
    }
    expect(await objectStore().head(config.OSS_IMAGES_BUCKET, `public/${imageId}/tiny.qcow2`)).toBeNull();
  }, 240_000);

  it("keeps a student's image personal, counted in their quota, and refuses a qcow2 that names a backing file", async () => {
    const alice = new Client(srv.url);
    await alice.signup();
    const data = readFileSync(TINY);
    const { imageId, operationId } = await uploadImage(alice, 'my-tiny', data);
    expect((await finished(alice, operationId)).state).toBe('succeeded');
    expect((await alice.get('/api/storage/quota')).body.quota.used).toMatchObject({ bytes: data.length, objects: 1 });
    expect((await alice.get('/api/templates')).body.items.find((t: { name: string }) => t.name === 'my-tiny')).toMatchObject({ personal: true });
    // Someone else neither sees it nor can use it, nor make it public.
    const bob = new Client(srv.url);
    await bob.signup();
    expect((await bob.get('/api/templates')).body.items.map((t: { name: string }) => t.name)).not.toContain('my-tiny');
    expect((await bob.get(`/api/images/${imageId}`)).status).toBe(404);
    expect((await bob.post('/api/vms', vmBody(imageId))).status).toBe(404);
    expect((await bob.delete(`/api/images/${imageId}`)).status).toBe(404);
    expect((await bob.post('/api/images', { name: 'x', osLabel: 'x', fileName: 'x.qcow2', size: 4096, public: true, zone: 'lab', ...sizes })).status).toBe(403);
    expect((await admin.get('/api/admin/templates')).body.items.map((t: { name: string }) => t.name)).not.toContain('my-tiny');

    // A qcow2 whose backing file is the host's /etc/shadow: refused at inspection, never copied.
    const dir = mkdtempSync(path.join(tmpdir(), 'evil-'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/shadow', path.join(dir, 'evil.qcow2'), '16M']);
    const evil = await uploadImage(alice, 'evil', readFileSync(path.join(dir, 'evil.qcow2')));
    const op = await finished(alice, evil.operationId);
    expect(op.state).toBe('compensated');
    expect(op.error).toMatch(/backing file/);
    expect((await alice.get(`/api/images/${evil.imageId}`)).body.image).toMatchObject({ status: 'failed', hosts: [] });
  }, 240_000);

  it('refuses hostile image requests with a 4xx in the error shape, and an image over the quota before any URL', async () => {
    const eve = new Client(srv.url);
    const e = await eve.signup();
    for (const body of [
      { fileName: '../../etc/passwd.qcow2' }, { fileName: 'a/b.qcow2' }, { fileName: 'x.exe' }, { fileName: 'x\u0000.qcow2' },
      { name: 'UPPER' }, { name: 'a'.repeat(64) }, { size: -1 }, { size: 1e20 }, { size: 10 }, { maxDiskGiB: 0 },
    ]) {
      const r = await eve.post('/api/images', { name: 'img', osLabel: 'x', fileName: 'ok.qcow2', size: 4096, zone: 'lab', ...sizes, ...body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    await admin.request('PUT', `/api/admin/users/${e.id}/object-quota`, { body: { gib: 1 / 1024 } });
    const over = await eve.post('/api/images', { name: 'big', osLabel: 'x', fileName: 'big.qcow2', size: 2 * 1024 * 1024, zone: 'lab', ...sizes });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(await db.template.count({ where: { ownerId: e.id } })).toBe(0);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { uniqueSuffix } from '../../../drivers/__tests__/lab-hosts.js';
import { closeHostConnections, hostRuntime } from '../../hosts/host-connections.js';
import { finished, lab1, lab2, prepareLab, removeLabVms, vmBody } from '../../vms/__tests__/vm-lab.js';

// An admin's template image, checked on the lab's real hosts over SSH: the picker lists what
// the hosts' base-image folders hold, each create or edit says per host whether the image is
// there (qemu-img info), a template whose image no host has cannot be offered, and a template
// whose creates keep failing is flagged (and the admins told).

let srv: TestServer;
let admin: Client;
const sfx = uniqueSuffix();
const base = `${lab1!.imageDir}/base`;
/** A qcow2 on lab1 only, a raw image on both, and a path no host has. */
const onlyLab1 = `${base}/weba-${sfx}-one.qcow2`;
const rawImage = `${base}/weba-${sfx}-raw.img`;
const nowhere = `${base}/weba-${sfx}-nowhere.qcow2`;
const onLab = async (host: typeof lab1, argv: string[]) => (await hostRuntime()).pool.exec(host!.target, argv);
const sizes = { defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64 };
type Check = { hostName: string; state: string; format: string | null; virtualSizeBytes: number | null; message: string | null };
const byHost = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.hostName, c]));

beforeAll(async () => {
  srv = await startServer();
  startOperationWorker({ concurrency: 2 });
  await onLab(lab1, ['qemu-img', 'create', '-q', '-f', 'qcow2', onlyLab1, '64M']);
  for (const h of [lab1, lab2]) await onLab(h, ['qemu-img', 'create', '-q', '-f', 'raw', rawImage, '1M']);
});
afterAll(async () => {
  await removeLabVms();
  for (const h of [lab1, lab2]) await onLab(h, ['rm', '-f', '--', onlyLab1, rawImage]).catch(() => undefined);
  await stopOperations(); await srv.close(); await closeHostConnections();
});
beforeEach(async () => { ({ admin } = await prepareLab(srv.url)); });

describe('template images on the hosts', () => {
  it("the picker lists the images in the hosts' base folders, with the hosts that have each", async () => {
    const r = await admin.get('/api/admin/templates/host-images?zone=lab');
    expect(r.status).toBe(200);
    const items = r.body.items as { path: string; sizeBytes: number; hosts: string[] }[];
    const find = (p: string) => items.find((i) => i.path === p);
    expect(find(lab1!.baseImage)?.hosts).toEqual([lab1!.name, lab2!.name].sort());
    expect(find(onlyLab1)?.hosts).toEqual([lab1!.name]);
    expect(find(rawImage)?.sizeBytes).toBe(1024 * 1024);
    expect(items.every((i) => i.path.startsWith(`${base}/`))).toBe(true);
    expect(r.body.hosts.map((h: { listed: boolean }) => h.listed)).toEqual([true, true]);
    // Another zone's hosts are not asked; an unknown zone has nothing.
    expect((await admin.get('/api/admin/templates/host-images?zone=elsewhere')).body).toEqual({ items: [], hosts: [] });
    expect((await admin.get('/api/admin/templates/host-images?zone=Bad Zone')).status).toBe(400);
  });

  it('the zone field offers the zones hosts are in', async () => {
    const r = await admin.get('/api/admin/templates/zones');
    expect(r.body.items).toEqual([{ zone: 'lab', hosts: 2, ready: 2 }]);
  });

  it('a check says per host whether the image is there, its format and virtual size', async () => {
    const r = await admin.get(`/api/admin/templates/image-check?zone=lab&imagePath=${encodeURIComponent(onlyLab1)}`);
    expect(r.status).toBe(200);
    const hosts = byHost(r.body.hosts);
    expect(hosts[lab1!.name]).toMatchObject({ state: 'present', format: 'qcow2', virtualSizeBytes: 64 * 1024 * 1024 });
    expect(hosts[lab2!.name]).toMatchObject({ state: 'missing', format: null });
    // A path with shell characters never reaches a host: it is not a path the API accepts.
    const bad = await admin.get(`/api/admin/templates/image-check?zone=lab&imagePath=${encodeURIComponent(`${base}/x;touch /tmp/weba-${sfx}`)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    // A path outside the hosts' image directory is not read.
    const outside = byHost((await admin.get('/api/admin/templates/image-check?zone=lab&imagePath=/etc/passwd')).body.hosts);
    expect(outside[lab1!.name]).toMatchObject({ state: 'unusable' });
    expect(outside[lab1!.name]!.message).toContain('outside');
  });

  it('a template whose image no host has cannot be offered; saved switched off, it shows where it is missing', async () => {
    const refused = await admin.post('/api/admin/templates', { name: 'nowhere', osLabel: 'Nowhere', zone: 'lab', imagePath: nowhere, ...sizes });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('IMAGE_MISSING');
    expect(refused.body.error.message).toContain(`${nowhere} is not a usable image on any host of zone "lab"`);
    expect(byHost(refused.body.error.details.hosts)[lab2!.name]).toMatchObject({ state: 'missing' });
    expect(await db.template.count({ where: { name: 'nowhere' } })).toBe(0);

    const off = await admin.post('/api/admin/templates', { name: 'nowhere', osLabel: 'Nowhere', zone: 'lab', imagePath: nowhere, ...sizes, enabled: false });
    expect(off.status).toBe(201);
    const id = off.body.template.id as string;
    expect(off.body.template.hosts.map((h: Check) => [h.hostName, h.state])).toEqual([[lab1!.name, 'missing'], [lab2!.name, 'missing']]);

    const enable = await admin.patch(`/api/admin/templates/${id}`, { enabled: true });
    expect(enable.status).toBe(409);
    expect(enable.body.error.code).toBe('IMAGE_MISSING');
    expect((await db.template.findUniqueOrThrow({ where: { id } })).enabled).toBe(false);

    // A raw file is there but is not a base a VM can start from.
    const raw = await admin.patch(`/api/admin/templates/${id}`, { imagePath: rawImage, enabled: true });
    expect(raw.status).toBe(409);
    expect(byHost(raw.body.error.details.hosts)[lab1!.name]).toMatchObject({ state: 'unusable', format: 'raw' });

    // The path corrected later: on one host is enough, and the list shows which.
    const fixed = await admin.patch(`/api/admin/templates/${id}`, { imagePath: onlyLab1, enabled: true });
    expect(fixed.status).toBe(200);
    expect(fixed.body.template).toMatchObject({ imagePath: onlyLab1, enabled: true });
    const listed = (await admin.get('/api/admin/templates')).body.items.find((t: { id: string }) => t.id === id);
    expect(byHost(listed.hosts)[lab1!.name]).toMatchObject({ state: 'present', format: 'qcow2', virtualSizeBytes: 64 * 1024 * 1024 });
    expect(byHost(listed.hosts)[lab2!.name]).toMatchObject({ state: 'missing' });
  });

  it('the zone can be corrected later; a zone without hosts has nothing to check', async () => {
    const t = await admin.post('/api/admin/templates', { name: 'movable', osLabel: 'Movable', zone: 'lab', imagePath: lab1!.baseImage, ...sizes });
    expect(t.status).toBe(201);
    expect(t.body.template.hosts.map((h: Check) => h.state)).toEqual(['present', 'present']);
    const moved = await admin.patch(`/api/admin/templates/${t.body.template.id}`, { zone: 'empty-zone' });
    expect(moved.status).toBe(200);
    expect(moved.body.template).toMatchObject({ zone: 'empty-zone', hosts: [] });
    const back = await admin.patch(`/api/admin/templates/${t.body.template.id}`, { zone: 'lab' });
    expect(back.body.template.hosts.map((h: Check) => h.state)).toEqual(['present', 'present']);
  });

  it('a template whose creates keep failing is flagged to admins until a create succeeds', async () => {
    const file = `${base}/weba-${sfx}-gone.qcow2`;
    for (const h of [lab1, lab2]) await onLab(h, ['cp', '--', lab1!.baseImage, file]);
    const t = await admin.post('/api/admin/templates', { name: 'fragile', osLabel: 'Fragile', zone: 'lab', imagePath: file, ...sizes });
    expect(t.status).toBe(201);
    const id = t.body.template.id as string;
    expect(t.body.template.failingCreates).toBeNull();
    // The image goes away behind the platform's back.
    for (const h of [lab1, lab2]) await onLab(h, ['rm', '-f', '--', file]);

    const user = new Client(srv.url);
    await user.signup();
    await db.user.updateMany({ data: { creditBalance: 1000 } });
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const r = await user.post('/api/vms', vmBody(id));
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect((await finished(user, r.body.operation.id)).state).toMatch(/failed|compensated/);
    }
    console.log(`three failing creates took ${Date.now() - started} ms`);
    const flagged = (await admin.get('/api/admin/templates')).body.items.find((t: { id: string }) => t.id === id);
    expect(flagged.failingCreates).toMatchObject({ inRow: 3, lastHour: 3 });
    expect(flagged.failingCreates.lastError).toBeTruthy();
    // The hosts were asked again: the row shows where the image went.
    await expect.poll(async () => (await admin.get('/api/admin/templates')).body.items.find((t: { id: string }) => t.id === id).hosts.map((h: Check) => h.state))
      .toEqual(['missing', 'missing']);
    const others = (await admin.get('/api/admin/templates')).body.items.filter((t: { id: string }) => t.id !== id);
    expect(others.every((t: { failingCreates: unknown }) => t.failingCreates === null)).toBe(true);
    await expect.poll(async () => ((await admin.get('/api/notifications')).body.items as { kind: string; text: string }[])
      .filter((n) => n.kind === 'template.failing').map((n) => n.text.split(':')[0])).toEqual(['VM creates from template fragile keep failing (3 recent failures)']);

    // The image is back: the next create succeeds and the flag clears.
    for (const h of [lab1, lab2]) await onLab(h, ['cp', '--', lab1!.baseImage, file]);
    try {
      const ok = await user.post('/api/vms', vmBody(id));
      expect((await finished(user, ok.body.operation.id)).state).toBe('succeeded');
      expect((await admin.get('/api/admin/templates')).body.items.find((t: { id: string }) => t.id === id).failingCreates).toBeNull();
    } finally {
      await removeLabVms();
      for (const h of [lab1, lab2]) await onLab(h, ['rm', '-f', '--', file]).catch(() => undefined);
    }
  }, 240_000);
});

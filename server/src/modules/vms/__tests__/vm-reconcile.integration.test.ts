import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections, driversFor } from '../../hosts/host-connections.js';
import { buildDomainXml } from '../../../drivers/libvirt/domain-xml.js';
import { finished, lab1, prepareLab, vmBody } from './vm-lab.js';

// Someone changes things on a host behind the platform's back; reconciliation notices.
let srv: TestServer;
let admin: Client;
let templateId: string;

beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); });
beforeEach(async () => { ({ admin, templateId } = await prepareLab(srv.url)); });

describe('reconciliation', () => {
  it('corrects a changed state, flags a vanished domain and an unknown one, and deletes nothing', async () => {
    const user = new Client(srv.url);
    await user.signup();
    const c = await user.post('/api/vms', vmBody(templateId));
    expect((await finished(user, c.body.operation.id)).state).toBe('succeeded');
    const vm = await db.vm.findUniqueOrThrow({ where: { id: c.body.vm.id }, include: { host: true } });
    const { hypervisor } = await driversFor(vm.host!);

    // 1. Powered off behind the platform's back.
    await hypervisor.destroy(vm.domainName);
    let r = await admin.post('/api/admin/reconcile');
    expect(r.status).toBe(200);
    expect(r.body.corrected).toBe(1);
    expect((await user.get(`/api/vms/${vm.id}`)).body.vm.state).toBe('stopped');

    // 2. A domain nobody at the platform made (it must survive reconciliation).
    const labHost = await db.host.findUniqueOrThrow({ where: { name: lab1!.name } });
    const lab1Hv = (await driversFor(labHost)).hypervisor;
    const stranger = `stranger-${vm.id.slice(0, 6)}`;
    await lab1Hv.defineDomain(buildDomainXml({ name: stranger, memoryMiB: 64, vcpus: 1, disk: { path: `${labHost.imageDir}/${stranger}.qcow2` } }));

    // 3. The VM's domain is undefined behind the platform's back.
    await hypervisor.undefine(vm.domainName);

    r = await admin.post('/api/admin/reconcile');
    expect(r.body.findings).toBeGreaterThanOrEqual(2);
    const after = (await user.get(`/api/vms/${vm.id}`)).body.vm;
    expect(after.state).toBe('error');
    expect(after.lastError).toMatch(/gone/);

    // Other work may be using the lab hosts at the same time: look only at our two domains.
    const ours = async () => ((await admin.get('/api/admin/findings')).body.items as { kind: string; domainName: string; id: string; message: string }[])
      .filter((f) => f.domainName === vm.domainName || f.domainName === stranger);
    const findings = await ours();
    expect(findings.map((f) => f.kind).sort()).toEqual(['domain-missing', 'state-changed', 'unknown-domain']);
    const unknown = findings.find((f) => f.kind === 'unknown-domain')!;
    expect(unknown.domainName).toBe(stranger);
    expect(await lab1Hv.domainState(stranger)).toBe('shutoff');

    // Seen again: still one open finding per problem.
    await admin.post('/api/admin/reconcile');
    expect(await ours()).toHaveLength(3);
    expect((await admin.post(`/api/admin/findings/${unknown.id}/resolve`)).status).toBe(204);
    expect(await ours()).toHaveLength(2);
    expect((await user.get('/api/admin/findings')).status).toBe(403);

    await lab1Hv.undefine(stranger);
  }, 180_000);
});

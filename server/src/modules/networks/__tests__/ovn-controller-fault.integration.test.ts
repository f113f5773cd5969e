import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { adminClient, Client } from '../../../test/harness.js';
import { finished, vmBody } from '../../vms/__tests__/vm-lab.js';
import { central, useNetworkLab, vmHosts } from './network-lab.js';

// A REAL ovn-controller stopped on one lab host (its recorded pid, through `scripts/lab/lab
// ovn-controller N stop`) and started again exactly as `lab up` starts it, in a finally. The
// lab is shared: the host stopped is a VM host that is neither the OVN central nor the gateway,
// for as short a time as the checks take; guests already running there keep the flows OVS holds.

const lab = useNetworkLab();
const LAB = fileURLToPath(new URL('../../../../../scripts/lab/lab', import.meta.url));
const victim = vmHosts.find((h) => h.name !== central.name);
const labCtl = (what: 'stop' | 'start') => execFileSync(LAB, ['ovn-controller', victim!.name.replace(/^lab/, ''), what], { stdio: 'pipe', timeout: 60_000 });

describe.runIf(victim)('ovn-controller stopped on a host', () => {
  it('the probe reports it, no new networked VM lands there (the host says why), nothing answers 5xx; started again, the probe is back and the host takes VMs', async () => {
    const admin = await adminClient(lab.srv.url);
    const hosts = (await admin.get('/api/admin/hosts')).body.items as { id: string; name: string }[];
    const host = hosts.find((h) => h.name === victim!.name)!;
    const probe = async () => {
      const r = await admin.post(`/api/admin/hosts/${host.id}/probe`);
      expect(r.status).toBe(200);
      return r.body.host as { status: string; statusReason: string | null; ovn: { chassis: string | null; controller: boolean } | null };
    };
    const student = new Client(lab.srv.url);
    await student.signup();
    const created: { vm: { id: string; hostName: string }; operation: { id: string } }[] = [];
    try {
      labCtl('stop');
      const down = await probe();
      expect(down.ovn).toMatchObject({ chassis: victim!.name, controller: false });
      expect(down.status).toBe('ready'); // libvirt answers: its running guests are still managed
      expect(down.statusReason).toContain(`ovn-controller does not answer (chassis ${victim!.name}): no new networked VMs are placed here.`);
      expect((await db.host.findUniqueOrThrow({ where: { id: host.id } })).ovnChassis).toBeNull();

      // Spread placement would put the second VM on the other host; both go elsewhere.
      for (let i = 0; i < 2; i += 1) {
        const r = await student.post('/api/vms', vmBody(lab.templateId));
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        expect(r.body.vm.hostName).not.toBe(victim!.name);
        created.push(r.body);
      }
      for (const c of created) expect((await finished(student, c.operation.id)).state).toBe('succeeded');
      for (const path of ['/api/networks', `/api/vms/${created[0]!.vm.id}/nics`]) expect((await student.get(path)).status).toBe(200);
      for (const path of ['/api/admin/hosts', '/api/admin/networks']) expect((await admin.get(path)).status).toBe(200);
    } finally {
      labCtl('start');
    }
    await expect.poll(async () => (await probe()).ovn?.controller, { timeout: 30_000, interval: 1000 }).toBe(true);
    const up = await probe();
    expect(up.statusReason ?? '').not.toContain('ovn-controller');
    expect((await db.host.findUniqueOrThrow({ where: { id: host.id } })).ovnChassis).toBe(victim!.name);
    // With its controller back, spreading places the next VM there again.
    const next = await student.post('/api/vms', vmBody(lab.templateId));
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    expect(next.body.vm.hostName).toBe(victim!.name);
    expect((await finished(student, next.body.operation.id)).state).toBe('succeeded');
    for (const id of [...created.map((c) => c.vm.id), next.body.vm.id]) {
      const d = await student.delete(`/api/vms/${id}`);
      expect((await finished(student, d.body.operation.id)).state).toBe('succeeded');
    }
  }, 300_000);
});

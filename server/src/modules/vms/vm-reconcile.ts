import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import type { DomainState } from '../../drivers/hypervisor.js';
import { driversFor } from '../hosts/host-connections.js';
import type { VmState } from '../../generated/prisma/enums.js';
import { recordFinding as record } from './findings.js';
import { reconcileOvn } from '../networks/network-reconcile.js';

// Reconciliation: each ready host's domains against the database. It corrects VM states
// that changed behind the platform's back and records findings for admins; it never
// deletes a domain it does not know. VMs with an operation in flight are left alone.

export interface ReconcileReport { hosts: number; corrected: number; findings: number }

const settled = (s: DomainState): VmState | null => (s === 'running' ? 'running' : s === 'shutoff' || s === 'crashed' ? 'stopped' : null);

export async function reconcileHosts(): Promise<ReconcileReport> {
  const report: ReconcileReport = { hosts: 0, corrected: 0, findings: 0 };
  const hosts = await db.host.findMany({ where: { status: 'ready' } });
  for (const host of hosts) {
    let domains: { name: string; state: DomainState }[];
    try {
      domains = await (await driversFor(host)).hypervisor.listDomainsWithState();
    } catch (err) {
      logger.warn({ err, host: host.name }, 'reconcile: could not list domains');
      continue;
    }
    report.hosts++;
    const byName = new Map(domains.map((d) => [d.name, d.state]));
    const vms = await db.vm.findMany({ where: { hostId: host.id, state: { notIn: ['deleted', 'error'] } } });
    const known = new Set(vms.map((v) => v.domainName));
    for (const vm of vms) {
      if (vm.currentOperationId) continue;
      const actual = byName.get(vm.domainName);
      if (actual === undefined) {
        const msg = `The domain of VM ${vm.name} is gone from ${host.name}; the VM is marked as failed.`;
        const changed = await db.vm.updateMany({ where: { id: vm.id, currentOperationId: null, state: vm.state }, data: { state: 'error', lastError: msg } });
        report.corrected += changed.count;
        if (await record('domain-missing', host.id, vm.domainName, msg, vm.id)) report.findings++;
        continue;
      }
      const next = settled(actual);
      if (next && next !== vm.state) {
        const changed = await db.vm.updateMany({ where: { id: vm.id, currentOperationId: null, state: vm.state }, data: { state: next } });
        report.corrected += changed.count;
        if (await record('state-changed', host.id, vm.domainName, `VM ${vm.name} was ${vm.state} in the platform but ${actual} on ${host.name}; corrected to ${next}.`, vm.id)) report.findings++;
      }
    }
    // Domains being created or deleted right now are not strangers.
    const busy = new Set((await db.vm.findMany({ where: { hostId: host.id, currentOperationId: { not: null } }, select: { domainName: true } })).map((v) => v.domainName));
    for (const d of domains) {
      if (known.has(d.name) || busy.has(d.name)) continue;
      const owned = await db.vm.findUnique({ where: { domainName: d.name }, select: { state: true } });
      if (owned && owned.state !== 'deleted') continue;
      if (await record('unknown-domain', host.id, d.name, `Domain ${d.name} (${d.state}) on ${host.name} is not a VM the platform knows. It was left untouched.`, null)) report.findings++;
    }
  }
  // OVN's logical objects against the networks, NICs and routers in the database.
  report.findings += (await reconcileOvn()).findings;
  return report;
}

export async function listFindings(includeResolved = false) {
  const rows = await db.finding.findMany({ where: includeResolved ? {} : { resolvedAt: null }, orderBy: { createdAt: 'desc' }, take: 200 });
  const hosts = new Map((await db.host.findMany({ select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  return {
    items: rows.map((f) => ({
      id: f.id, kind: f.kind, hostName: hosts.get(f.hostId) ?? null, vmId: f.vmId, domainName: f.domainName, message: f.message,
      createdAt: f.createdAt.toISOString(), resolvedAt: f.resolvedAt?.toISOString() ?? null,
    })),
  };
}

export async function resolveFinding(id: string): Promise<boolean> {
  const r = await db.finding.updateMany({ where: { id, resolvedAt: null }, data: { resolvedAt: new Date() } });
  return r.count === 1;
}

import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { forEachLimit } from '../../platform/concurrency.js';
import { logger } from '../../platform/logger.js';
import type { DomainState } from '../../drivers/hypervisor.js';
import { driversFor } from '../hosts/host-connections.js';
import type { VmState } from '../../generated/prisma/enums.js';
import type { Host } from '../../generated/prisma/client.js';
import { recordFinding } from './findings.js';
import { reconcileOvn } from '../networks/network-reconcile.js';

// Reconciliation: each ready host's domains against the database. It corrects VM states
// that changed behind the platform's back and records findings for admins; it never
// deletes a domain it does not know. VMs with an operation in flight are left alone.

export interface ReconcileReport { hosts: number; corrected: number; findings: number }

const settled = (s: DomainState): VmState | null => (s === 'running' ? 'running' : s === 'shutoff' || s === 'crashed' ? 'stopped' : null);

/** Other kinds of compute on the same hosts (containers) reconcile in the same pass. */
export type HostReconciler = (host: Host) => Promise<{ corrected: number; findings: number }>;
const hostReconcilers: HostReconciler[] = [];
export function registerHostReconciler(r: HostReconciler): void {
  hostReconcilers.push(r);
}

export { recordFinding };

/** Every ready host, several at once (VM_RECONCILE_CONCURRENCY): a sweep's time is not the sum of the hosts'. */
export async function reconcileHosts(): Promise<ReconcileReport> {
  const report: ReconcileReport = { hosts: 0, corrected: 0, findings: 0 };
  const hosts = await db.host.findMany({ where: { status: 'ready' } });
  await forEachLimit(hosts, config.VM_RECONCILE_CONCURRENCY, async (host) => {
    const r = await reconcileHost(host);
    if (!r) return;
    report.hosts++;
    report.corrected += r.corrected;
    report.findings += r.findings;
  });
  // OVN's logical objects against the networks, NICs and routers in the database.
  report.findings += (await reconcileOvn()).findings;
  return report;
}

/** One host: one SSH command and a few queries, however many domains it has; null if unreachable. */
export async function reconcileHost(host: Host): Promise<Omit<ReconcileReport, 'hosts'> | null> {
  const report = { corrected: 0, findings: 0 };
  let domains: { name: string; state: DomainState }[];
  try {
    domains = await (await driversFor(host)).hypervisor.listDomainsWithState();
  } catch (err) {
    logger.warn({ err, host: host.name }, 'reconcile: could not list domains');
    return null;
  }
  for (const r of hostReconcilers) {
    try {
      const x = await r(host);
      report.corrected += x.corrected;
      report.findings += x.findings;
    } catch (err) {
      logger.warn({ err, host: host.name }, 'reconcile: a host reconciler failed');
    }
  }
  const r = await reconcileDomains(host, domains);
  return { corrected: report.corrected + r.corrected, findings: report.findings + r.findings };
}

/** The database side of one host's reconcile, given what its hypervisor lists. */
export async function reconcileDomains(host: Host, domains: { name: string; state: DomainState }[]): Promise<Omit<ReconcileReport, 'hosts'>> {
  const report = { corrected: 0, findings: 0 };
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
      if (await recordFinding('domain-missing', host.id, vm.domainName, msg, vm.id)) report.findings++;
      continue;
    }
    const next = settled(actual);
    if (next && next !== vm.state) {
      const changed = await db.vm.updateMany({ where: { id: vm.id, currentOperationId: null, state: vm.state }, data: { state: next } });
      report.corrected += changed.count;
      if (await recordFinding('state-changed', host.id, vm.domainName, `VM ${vm.name} was ${vm.state} in the platform but ${actual} on ${host.name}; corrected to ${next}.`, vm.id)) report.findings++;
    }
  }
  // Domains the host's live VMs do not explain, looked up in one query: being created or
  // deleted right now (busy), or a VM the platform knows elsewhere, are not strangers.
  const others = domains.filter((d) => !known.has(d.name));
  if (!others.length) return report;
  const rows = await db.vm.findMany({ where: { domainName: { in: others.map((d) => d.name) } }, select: { domainName: true, state: true, currentOperationId: true } });
  const explained = new Set(rows.filter((r) => r.currentOperationId || r.state !== 'deleted').map((r) => r.domainName));
  for (const d of others) {
    if (explained.has(d.name)) continue;
    if (await recordFinding('unknown-domain', host.id, d.name, `Domain ${d.name} (${d.state}) on ${host.name} is not a VM the platform knows. It was left untouched.`, null)) report.findings++;
  }
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

/** A pass now, for the admin who asked: the counts, and every open finding, those this pass recorded marked new. */
export async function reconcileNow() {
  const before = new Set((await db.finding.findMany({ where: { resolvedAt: null }, select: { id: true } })).map((f) => f.id));
  const report = await reconcileHosts();
  const { items } = await listFindings(false);
  return { ...report, items: items.map((f) => ({ ...f, new: !before.has(f.id) })) };
}

export async function resolveFinding(id: string): Promise<boolean> {
  const r = await db.finding.updateMany({ where: { id, resolvedAt: null }, data: { resolvedAt: new Date(), openKey: null } });
  return r.count === 1;
}

import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { ovnNames, parseOvnName } from '../../drivers/ovn/ovn-names.js';
import { recordFinding } from '../vms/findings.js';
import { centralOvn, ovnCentralHost } from './network-ovn.js';

// OVN against the database: every platform-named switch, port, router and port group is a set
// member on each side, so reconciling is two set differences. Findings are shown to admins,
// never acted on (nothing in OVN is deleted by this). Objects whose network or VM has an
// operation in flight are skipped: they are being made or removed right now.

const holder = { id: true, name: true, state: true, currentOperationId: true } as const;

export async function reconcileOvn(): Promise<{ findings: number }> {
  const central = await ovnCentralHost();
  if (!central) return { findings: 0 };
  let inventory;
  try {
    inventory = await (await centralOvn()).inventory();
  } catch (err) {
    logger.warn({ err }, 'reconcile: could not read the OVN northbound database');
    return { findings: 0 };
  }
  const [networks, nics, routers] = await Promise.all([
    db.network.findMany({ select: { id: true, name: true, state: true, currentOperationId: true } }),
    db.nic.findMany({ select: { id: true, vm: { select: holder }, container: { select: holder } } }),
    db.networkRouter.findMany({ select: { userId: true } }),
  ]);
  const known = new Set([...networks.map((n) => n.id), ...nics.map((n) => n.id), ...routers.map((r) => r.userId)]);
  const busy = new Set([
    ...networks.filter((n) => n.currentOperationId || n.state === 'creating').map((n) => n.id),
    ...nics.filter((n) => { const h = n.vm ?? n.container; return !h || h.currentOperationId || h.state === 'creating'; }).map((n) => n.id),
  ]);
  let findings = 0;
  const note = async (kind: string, name: string, message: string, vmId: string | null = null) => {
    if (await recordFinding(kind, central.id, name, message, vmId)) findings += 1;
  };

  const present = [...inventory.switches, ...inventory.ports, ...inventory.routers, ...inventory.portGroups];
  for (const name of present) {
    const parsed = parseOvnName(name);
    if (!parsed || known.has(parsed.id) || busy.has(parsed.id)) continue;
    await note('ovn-unknown', name, `OVN ${parsed.kind} ${name} is not a network, NIC or router the platform knows. It was left untouched.`);
  }
  const have = new Set(present);
  for (const n of networks) {
    if (busy.has(n.id) || n.state !== 'ready') continue;
    if (!have.has(ovnNames.switch(n.id))) await note('ovn-missing', ovnNames.switch(n.id), `Network ${n.name} has no logical switch in OVN; its VMs have no network.`);
  }
  for (const nic of nics) {
    const h = nic.vm ?? nic.container;
    if (!h || busy.has(nic.id) || h.state === 'error' || h.state === 'deleted') continue;
    const what = nic.vm ? `VM ${h.name}` : `Container ${h.name}`;
    if (!have.has(ovnNames.port(nic.id))) await note('ovn-missing', ovnNames.port(nic.id), `${what}'s NIC has no logical port in OVN.`, nic.vm?.id ?? null);
  }
  return { findings };
}

import { db } from '../../platform/db.js';
import type { ContainerState } from '../../generated/prisma/enums.js';
import { driversFor } from '../hosts/host-connections.js';
import { recordFinding, registerHostReconciler } from '../vms/vm-reconcile.js';
import { LABEL_ID } from './container-operations.js';

// Containers in the reconciler's pass over each ready host: states that changed behind the
// platform's back are corrected (a container that exited is stopped; one that is gone is an
// error), and containers carrying the platform's label that the database does not know are
// findings for admins. Nothing is deleted; containers with an operation in flight are skipped.

registerHostReconciler(async (host) => {
  const out = { corrected: 0, findings: 0 };
  const onHost = await (await driversFor(host)).containers.listContainers({ all: true, label: LABEL_ID });
  const byId = new Map(onHost.map((c) => [c.labels[LABEL_ID] ?? '', c]));
  const rows = await db.container.findMany({ where: { hostId: host.id, state: { notIn: ['deleted', 'error', 'creating', 'deleting'] }, currentOperationId: null } });
  for (const c of rows) {
    const actual = byId.get(c.id);
    if (!actual) {
      const msg = `Container ${c.name} is gone from ${host.name}; it is marked as failed.`;
      out.corrected += (await db.container.updateMany({ where: { id: c.id, currentOperationId: null, state: c.state }, data: { state: 'error', lastError: msg } })).count;
      if (await recordFinding('container-missing', host.id, c.dockerName, msg)) out.findings++;
      continue;
    }
    const next: ContainerState = actual.state === 'running' ? 'running' : 'stopped';
    if (next !== c.state && (c.state === 'running' || c.state === 'stopped')) {
      out.corrected += (await db.container.updateMany({ where: { id: c.id, currentOperationId: null, state: c.state }, data: { state: next, lastError: next === 'stopped' ? `It stopped on its own (${actual.status}).` : null } })).count;
    }
  }
  // Containers the platform labelled but the database does not know (or deleted).
  const ids = [...byId.keys()].filter(Boolean);
  const known = new Set((await db.container.findMany({ where: { id: { in: ids }, state: { not: 'deleted' } }, select: { id: true } })).map((c) => c.id));
  for (const [id, c] of byId) {
    if (known.has(id)) continue;
    const name = c.names[0] ?? c.id.slice(0, 12);
    if (await recordFinding('unknown-container', host.id, name, `Container ${name} (${c.state}, labelled ${LABEL_ID}=${id}) on ${host.name} is not one the platform knows. It was left untouched.`)) out.findings++;
  }
  return out;
});

import { db } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import { stepFor, vmChart, type Range } from './charts.js';

/** A chart of one of the caller's own VMs: the owner check is here, the PromQL is fixed. */
export async function myVmChart(ownerId: string, vmId: string, kind: 'cpu' | 'memory' | 'disk' | 'network', range: Range) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId, state: { not: 'deleted' } }, select: { id: true } });
  if (!vm) throw errors.notFound('VM');
  return { chart: await vmChart(vm.id, kind, range), range, stepSeconds: stepFor(range) };
}

import { db } from '../../platform/db.js';
import { BILLABLE_VM_STATES } from '../quotas/quotas.service.js';
import { meterCompute, meterKind, registerMeteredKind, type MeteredKind, type MeterResult } from '../compute/metering.js';
import { stopOwnerVms } from './vm-lifecycle.js';

// VMs on the one compute meter (modules/compute/metering.ts): hour 0 is paid at create
// (vms.service), each later hour is booked once as `vm:<id>:h<k>`. When an owner cannot pay,
// their running VMs are shut down (ACPI, then power-off: the usual operation; vm-lifecycle.ts
// records why and tells the owner) and starting one is refused until an admin adds credits.
// Nothing is deleted: the disks stay. An ended trial is the trial ladder's (modules/trials).

export const vmMetering: MeteredKind = {
  kind: 'vm', table: 'Vm', reason: 'vm-hour', billable: BILLABLE_VM_STATES,
  reference: (id, hour) => `vm:${id}:h${hour}`,
  advance: async (id, hour, tx = db) => (await tx.vm.updateMany({ where: { id, billedHours: hour }, data: { billedHours: hour + 1 } })).count === 1,
  stopOwner: (ownerId) => stopOwnerVms(ownerId, 'credits'),
};
registerMeteredKind(vmMetering);

export type { MeterResult };

/** Books VM hours (and stops the VMs of owners who cannot pay); the schedule runs meterCompute for every kind. */
export async function meterVms(now = Date.now()): Promise<MeterResult> {
  const r = await meterKind(vmMetering, now);
  let stopping = 0;
  for (const ownerId of r.broke) stopping += await vmMetering.stopOwner(ownerId);
  return { charged: r.charged, skipped: r.skipped, unpaid: r.unpaid, stopping };
}

export { meterCompute };

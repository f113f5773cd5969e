import { db } from '../../platform/db.js';
import { BILLABLE_VM_STATES, hourlyRate } from '../quotas/quotas.service.js';
import { meterCompute, meterKind, registerMeteredKind, type MeteredKind, type MeterResult } from '../compute/metering.js';
import { stopOwnerVms } from './vm-lifecycle.js';

// VMs on the one compute meter (modules/compute/metering.ts): hour 0 is paid at create
// (vms.service), each later hour is booked once as `vm:<id>:h<k>`. A running VM pays its full
// price, a stopped one its disk only (as public clouds bill: the vCPUs and memory go back to the
// host while it is off), by its state when the hour is booked. When an owner cannot pay a
// running VM's hour, their running VMs are shut down (ACPI, then power-off: the usual operation;
// vm-lifecycle.ts records why and tells the owner) and starting one is refused until an admin
// adds credits; a stopped VM's unpaid disk hour stops nothing. Nothing is deleted: the disks
// stay. An ended trial is the trial ladder's (modules/trials).

export const vmMetering: MeteredKind = {
  kind: 'vm', table: 'Vm', reason: 'vm-hour', billable: BILLABLE_VM_STATES,
  reference: (id, hour) => `vm:${id}:h${hour}`,
  advance: async (id, hour, tx = db) => (await tx.vm.updateMany({ where: { id, billedHours: hour }, data: { billedHours: hour + 1 } })).count === 1,
  extraColumns: ['diskGiB'],
  // A stopped VM's hour has a reason of its own, so the ledger says it was the disk only.
  price: (row) => ({ amount: hourlyRate({ state: row.state, creditsPerHour: row.creditsPerHour, diskGiB: Number(row.diskGiB) }), reason: row.state === 'stopped' ? 'vm-disk-hour' : 'vm-hour' }),
  stopsWhenUnpaid: (row) => row.state !== 'stopped',
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

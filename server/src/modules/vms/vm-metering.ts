import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { applyCredit } from '../credits/credits.service.js';
import { BILLABLE_VM_STATES, hourlyRate } from '../quotas/quotas.service.js';
import type { VmState } from '../../generated/prisma/enums.js';
import { stopOwnerVms } from './vm-lifecycle.js';

// Credits pay for VMs by the hour of their life: hour 0 at create (vms.service), then hour k
// once `createdAt + k h` has passed. A running VM pays its full price, a stopped one its disk
// only (as public clouds bill: the vCPUs and memory go back to the host while it is off), by its
// state when the hour is booked; hours it spends being made, broken or deleted are
// skipped, never charged later. Each hour is one ledger entry with reference `vm:<id>:h<k>`,
// unique per user, and moves `billedHours` in the same transaction with a guard on its old
// value: two meters running at once, or one re-run after a crash, book every hour once.
//
// When an owner cannot pay an hour, their running VMs are shut down (ACPI, then power-off: the
// usual operation; vm-lifecycle.ts records why and tells the owner) and starting one is
// refused until an admin adds credits. Nothing is deleted: the disks stay. An ended trial is
// the trial ladder's to handle (modules/trials).

const HOUR_MS = 3_600_000;
const BILLABLE: readonly VmState[] = BILLABLE_VM_STATES;
const MAX_HOURS_PER_TICK = 48;

export interface MeterResult { charged: number; skipped: number; unpaid: number; stopping: number }

export async function meterVms(now = Date.now()): Promise<MeterResult> {
  const result: MeterResult = { charged: 0, skipped: 0, unpaid: 0, stopping: 0 };
  // Everything the meter needs in one read; the guarded UPDATE below, not this snapshot,
  // decides whether an hour is still to book.
  const due = await db.$queryRaw<{ id: string; ownerId: string; state: VmState; createdAt: Date; billedHours: number; creditsPerHour: number; diskGiB: number }[]>`
    SELECT id, ownerId, state, createdAt, billedHours, creditsPerHour, diskGiB FROM Vm
    WHERE state <> 'deleted' AND createdAt <= ${new Date(now - HOUR_MS)}
      AND TIMESTAMPDIFF(SECOND, createdAt, ${new Date(now)}) >= billedHours * 3600`;
  const broke = new Set<string>();
  for (const vm of due) {
    const { id } = vm;
    const lastDue = Math.min(Math.floor((now - vm.createdAt.getTime()) / HOUR_MS), vm.billedHours + MAX_HOURS_PER_TICK - 1);
    const rate = hourlyRate(vm);
    const billable = BILLABLE.includes(vm.state) && rate > 0;
    // A stopped VM's hour has a reason of its own, so the ledger says it was the disk only.
    const reason = vm.state === 'stopped' ? 'vm-disk-hour' : 'vm-hour';
    for (let hour = vm.billedHours; hour <= lastDue; hour++) {
      // Moves the meter past this hour; false if another meter did first.
      const advance = async (c: Pick<typeof db, 'vm'>) => (await c.vm.updateMany({ where: { id, billedHours: hour }, data: { billedHours: hour + 1 } })).count === 1;
      const outcome = await db.$transaction(async (tx) => {
        if (!(await advance(tx))) return 'raced' as const;
        if (!billable) return 'skipped' as const;
        await applyCredit(tx, { userId: vm.ownerId, amount: -rate, reason, reference: `vm:${id}:h${hour}` });
        return 'charged' as const;
      }).catch(async (e: unknown) => {
        if (!(e instanceof AppError)) throw e;
        // Out of credits (or, rarely, the hour already booked): the hour is not charged and
        // not owed; the meter moves on, and the owner's VMs are stopped below.
        await advance(db);
        if (e.code === 'INSUFFICIENT_CREDITS') {
          // A stopped VM's unpaid disk hour stops nothing; a running one's stops them all.
          if (vm.state !== 'stopped') broke.add(vm.ownerId);
          return 'unpaid' as const;
        }
        return 'skipped' as const;
      });
      if (outcome === 'raced') break;
      result[outcome]++;
    }
  }

  // Owners who could not pay: their running VMs are stopped (and they are told why). Trials
  // that ended are the trial ladder's (modules/trials).
  for (const ownerId of broke) result.stopping += await stopOwnerVms(ownerId, 'credits');
  return result;
}

import { config } from '../../config.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { releaseQuota, reserveQuota } from './quotas.service.js';

// What stored things (VM snapshots now; volumes and backups next) cost in disk quota, and the
// rules that keep a host's disk from filling up: a cap on how many a VM and a user may keep,
// a charge in whole GiB against the owner's disk quota (reserved before the bytes are
// written, corrected to what the host measured afterwards), and free space each host keeps
// in reserve that nothing a user asks for may eat into.

export const GiB = 1024 ** 3;

/** Whole GiB, at least one: the smallest thing stored costs a GiB of quota. */
export const chargeOfBytes = (bytes: number) => Math.max(1, Math.ceil(bytes / GiB));

/**
 * What a snapshot is charged before it exists: its disk changes start small (1 GiB), and a
 * snapshot of a running VM also writes the guest's RAM.
 */
export const snapshotEstimateGiB = (vm: { memoryMiB: number }, running: boolean) => 1 + (running ? Math.ceil(vm.memoryMiB / 1024) : 0);

export const storageCaps = () => ({ snapshotsPerVm: config.VM_SNAPSHOTS_PER_VM, snapshotsPerUser: config.VM_SNAPSHOTS_PER_USER, hostReserveGiB: config.HOST_DISK_RESERVE_GIB });

/**
 * Charges `gib` of stored data to the owner's disk quota (QUOTA_EXCEEDED in words when it does
 * not fit), after checking the snapshot caps. Call inside the transaction that records the thing.
 */
export async function chargeSnapshot(tx: Tx, owner: string, vm: { id: string; name: string }, gib: number): Promise<void> {
  // The quota row is locked first, so two requests of one user count the caps one after the other.
  await reserveQuota(tx, owner, { vcpus: 0, memoryMiB: 0, diskGiB: gib, vms: 0 });
  const caps = storageCaps();
  const [onVm, ofUser] = await Promise.all([tx.vmSnapshot.count({ where: { vmId: vm.id } }), tx.vmSnapshot.count({ where: { ownerId: owner } })]);
  if (onVm >= caps.snapshotsPerVm) {
    throw new AppError('QUOTA_EXCEEDED', `${vm.name} has ${onVm} snapshots, the most a VM may keep; delete one first.`, { resource: 'snapshotsPerVm', limit: caps.snapshotsPerVm });
  }
  if (ofUser >= caps.snapshotsPerUser) {
    throw new AppError('QUOTA_EXCEEDED', `You have ${ofUser} snapshots, the most an account may keep; delete one first.`, { resource: 'snapshotsPerUser', limit: caps.snapshotsPerUser });
  }
}

/** Sets what a stored thing is charged to what was measured; the difference is taken or given back. */
export async function rechargeStorage(tx: Tx, owner: string, fromGiB: number, toGiB: number): Promise<void> {
  // It exists already, so a measured excess is booked even past the limit (nothing new fits until it is deleted).
  if (toGiB > fromGiB) await tx.$executeRaw`UPDATE Quota SET usedDiskGiB = usedDiskGiB + ${toGiB - fromGiB} WHERE userId = ${owner}`;
  else if (toGiB < fromGiB) await releaseQuota(tx, owner, { vcpus: 0, memoryMiB: 0, diskGiB: fromGiB - toGiB, vms: 0 });
}

export const releaseStorage = (tx: Tx, owner: string, gib: number) => releaseQuota(tx, owner, { vcpus: 0, memoryMiB: 0, diskGiB: gib, vms: 0 });

/** Why a host cannot take `needGiB` more without eating into its reserve, in words; null when it can. */
export function hostReserveShortfall(host: { name: string }, freeBytes: number, needGiB: number): string | null {
  const reserve = storageCaps().hostReserveGiB;
  const freeGiB = freeBytes / GiB;
  if (freeGiB - needGiB >= reserve) return null;
  return `${host.name} has ${freeGiB.toFixed(1)} GiB free and keeps ${reserve} GiB in reserve, so it cannot store ${needGiB} GiB more now; try again later or ask an administrator.`;
}

/** GiB charged per host for stored things (placement counts them as used disk). */
export async function storageChargedByHost(tx: Tx, hostIds: string[]): Promise<Map<string, number>> {
  if (!hostIds.length) return new Map();
  const rows = await tx.$queryRaw<{ hostId: string; gib: number | bigint | string }[]>`
    SELECT v.hostId AS hostId, SUM(s.chargedGiB) AS gib FROM VmSnapshot s JOIN Vm v ON v.id = s.vmId
    WHERE v.hostId IN (${Prisma.join(hostIds)}) GROUP BY v.hostId`;
  return new Map(rows.map((r) => [r.hostId, Number(r.gib)]));
}

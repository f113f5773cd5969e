import { config } from '../../config.js';
import type { Tx } from '../../platform/db.js';

// Limits and usage per user. Reservations (later: VMs, containers) are conditional
// UPDATEs on this row, checked by affected-row count, so concurrency cannot over-commit.

export interface QuotaRow {
  maxVcpus: number; maxMemoryMiB: number; maxDiskGiB: number; maxVms: number;
  usedVcpus: number; usedMemoryMiB: number; usedDiskGiB: number; usedVms: number;
}

export const trialQuota = () => ({
  maxVcpus: config.TRIAL_QUOTA_VCPUS,
  maxMemoryMiB: config.TRIAL_QUOTA_MEMORY_MIB,
  maxDiskGiB: config.TRIAL_QUOTA_DISK_GIB,
  maxVms: config.TRIAL_QUOTA_VMS,
});

export async function createTrialQuota(tx: Tx, userId: string): Promise<void> {
  await tx.quota.create({ data: { userId, ...trialQuota() } });
}

export function quotaView(q: QuotaRow | null) {
  const z = { vcpus: 0, memoryMiB: 0, diskGiB: 0, vms: 0 };
  if (!q) return { limits: z, used: z };
  return {
    limits: { vcpus: q.maxVcpus, memoryMiB: q.maxMemoryMiB, diskGiB: q.maxDiskGiB, vms: q.maxVms },
    used: { vcpus: q.usedVcpus, memoryMiB: q.usedMemoryMiB, diskGiB: q.usedDiskGiB, vms: q.usedVms },
  };
}

import { config } from '../../config.js';
import type { Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { queryOne } from '../../platform/sql.js';

// Limits and usage per user in one row. A reservation is one conditional UPDATE whose
// affected-row count is checked, so no interleaving of requests can over-commit.

export interface QuotaRow {
  maxVcpus: number; maxMemoryMiB: number; maxDiskGiB: number; maxVms: number; maxContainers: number;
  usedVcpus: number; usedMemoryMiB: number; usedDiskGiB: number; usedVms: number; usedContainers: number; usedCpuMillis: number;
}

/** What a VM or a container holds. CPU is whole vCPUs (VMs) plus thousandths (containers): both count against `maxVcpus`. */
export interface Resources { vcpus: number; memoryMiB: number; diskGiB: number; vms: number; containers?: number; cpuMillis?: number }

export const trialQuota = () => ({
  maxVcpus: config.TRIAL_QUOTA_VCPUS,
  maxMemoryMiB: config.TRIAL_QUOTA_MEMORY_MIB,
  maxDiskGiB: config.TRIAL_QUOTA_DISK_GIB,
  maxVms: config.TRIAL_QUOTA_VMS,
  maxTunnels: config.TRIAL_QUOTA_TUNNELS,
  maxContainers: config.TRIAL_QUOTA_CONTAINERS,
});

export async function createTrialQuota(tx: Tx, userId: string): Promise<void> {
  await tx.quota.create({ data: { userId, ...trialQuota() } });
}

export function quotaView(q: QuotaRow | null) {
  const z = { vcpus: 0, memoryMiB: 0, diskGiB: 0, vms: 0, containers: 0 };
  if (!q) return { limits: z, used: z };
  return {
    limits: { vcpus: q.maxVcpus, memoryMiB: q.maxMemoryMiB, diskGiB: q.maxDiskGiB, vms: q.maxVms, containers: q.maxContainers },
    // Containers take quarters of a CPU: the vCPUs in use may be fractional.
    used: { vcpus: q.usedVcpus + q.usedCpuMillis / 1000, memoryMiB: q.usedMemoryMiB, diskGiB: q.usedDiskGiB, vms: q.usedVms, containers: q.usedContainers },
  };
}

const LABELS = { vcpus: 'vCPUs', memoryMiB: 'MiB of memory', diskGiB: 'GiB of disk', vms: 'VMs', containers: 'containers' } as const;

export async function reserveQuota(tx: Tx, userId: string, r: Resources): Promise<void> {
  const containers = r.containers ?? 0;
  const millis = r.cpuMillis ?? 0;
  const affected = await tx.$executeRaw`
    UPDATE Quota SET usedVcpus = usedVcpus + ${r.vcpus}, usedMemoryMiB = usedMemoryMiB + ${r.memoryMiB},
                     usedDiskGiB = usedDiskGiB + ${r.diskGiB}, usedVms = usedVms + ${r.vms},
                     usedContainers = usedContainers + ${containers}, usedCpuMillis = usedCpuMillis + ${millis}
    WHERE userId = ${userId}
      AND (usedVcpus + ${r.vcpus}) * 1000 + usedCpuMillis + ${millis} <= maxVcpus * 1000 AND usedMemoryMiB + ${r.memoryMiB} <= maxMemoryMiB
      AND usedDiskGiB + ${r.diskGiB} <= maxDiskGiB AND usedVms + ${r.vms} <= maxVms AND usedContainers + ${containers} <= maxContainers`;
  if (affected === 1) return;
  // Say which resource is short, from the row as it is now.
  const q = await tx.quota.findUnique({ where: { userId } });
  const view = quotaView(q);
  const wanted = { ...r, containers, vcpus: r.vcpus + millis / 1000 };
  for (const k of ['vms', 'containers', 'vcpus', 'memoryMiB', 'diskGiB'] as const) {
    const available = view.limits[k] - view.used[k];
    if (wanted[k] > available) {
      throw new AppError('QUOTA_EXCEEDED', `Your quota allows ${available} more ${LABELS[k]}; this needs ${wanted[k]}.`, { resource: k, requested: wanted[k], available });
    }
  }
  throw new AppError('QUOTA_EXCEEDED', 'Your quota does not allow this.', {});
}

export async function releaseQuota(tx: Tx, userId: string, r: Resources): Promise<void> {
  await tx.$executeRaw`
    UPDATE Quota SET usedVcpus = GREATEST(usedVcpus - ${r.vcpus}, 0), usedMemoryMiB = GREATEST(usedMemoryMiB - ${r.memoryMiB}, 0),
                     usedDiskGiB = GREATEST(usedDiskGiB - ${r.diskGiB}, 0), usedVms = GREATEST(usedVms - ${r.vms}, 0),
                     usedContainers = GREATEST(usedContainers - ${r.containers ?? 0}, 0), usedCpuMillis = GREATEST(usedCpuMillis - ${r.cpuMillis ?? 0}, 0)
    WHERE userId = ${userId}`;
}

export const pricing = () => ({
  creditsPerVcpuHour: config.CREDITS_PER_VCPU_HOUR,
  creditsPerGiBMemoryHour: config.CREDITS_PER_GIB_MEMORY_HOUR,
  creditsPerTenGiBDiskHour: config.CREDITS_PER_10_GIB_DISK_HOUR,
});

/** The VM states whose hours are charged: it holds its resources (made, not broken, not going away). */
export const BILLABLE_VM_STATES = ['running', 'stopped', 'starting', 'stopping', 'rebooting'] as const;
const BILLABLE_SQL = BILLABLE_VM_STATES.map((s) => `'${s}'`).join(', ');

export function creditsPerHour(r: Pick<Resources, 'vcpus' | 'memoryMiB' | 'diskGiB'>): number {
  const p = pricing();
  return r.vcpus * p.creditsPerVcpuHour + Math.ceil(r.memoryMiB / 1024) * p.creditsPerGiBMemoryHour + Math.ceil(r.diskGiB / 10) * p.creditsPerTenGiBDiskHour;
}

/** A stopped VM pays for its disk only (its vCPUs and memory are free for others to use). */
export function stoppedCreditsPerHour(r: Pick<Resources, 'diskGiB'>): number {
  return Math.ceil(r.diskGiB / 10) * pricing().creditsPerTenGiBDiskHour;
}

/** What one hour of a VM in this state costs (vm-metering books it). */
export function hourlyRate(vm: Pick<Resources, 'diskGiB'> & { state: string; creditsPerHour: number }): number {
  return vm.state === 'stopped' ? stoppedCreditsPerHour(vm) : vm.creditsPerHour;
}

export async function quotaOverview(userId: string) {
  const q = await queryOne<QuotaRow & { creditBalance: number; perHour: number | string | null }>(
    `SELECT q.*, u.creditBalance,
            (SELECT COALESCE(SUM(CASE WHEN v.state = 'stopped' THEN CEIL(v.diskGiB / 10) * ? ELSE v.creditsPerHour END), 0)
               FROM Vm v WHERE v.ownerId = q.userId AND v.state IN (${BILLABLE_SQL}))
              + (SELECT COALESCE(SUM(c.creditsPerHour), 0) FROM Container c WHERE c.ownerId = q.userId AND c.state IN (${BILLABLE_SQL}, 'restarting'))
              + (SELECT COALESCE(SUM(x.creditsPerHour), 0) FROM Volume x WHERE x.ownerId = q.userId AND x.state = 'ready') AS perHour
     FROM Quota q JOIN \`User\` u ON u.id = q.userId WHERE q.userId = ?`, [pricing().creditsPerTenGiBDiskHour, userId]);
  const view = quotaView(q ?? null);
  const headroom = {
    vcpus: view.limits.vcpus - view.used.vcpus, memoryMiB: view.limits.memoryMiB - view.used.memoryMiB,
    diskGiB: view.limits.diskGiB - view.used.diskGiB, vms: view.limits.vms - view.used.vms,
    containers: view.limits.containers - view.used.containers,
  };
  // perHour: what the VMs cost each hour now (vm-metering books it); with the balance, how long
  // the credits last. Here and not in GET /api/me: that one runs on every page view, and this
  // subquery measured 2-14% of its throughput.
  return { ...view, headroom, pricing: pricing(), credits: { balance: q?.creditBalance ?? 0, perHour: Number(q?.perHour ?? 0) } };
}

/** Admins set limits; lowering below current usage is allowed (nothing new fits until usage drops). */
export async function setQuotaLimits(db: { quota: Tx['quota'] }, userId: string, limits: Partial<Resources>) {
  const data = {
    ...(limits.vcpus !== undefined ? { maxVcpus: limits.vcpus } : {}),
    ...(limits.memoryMiB !== undefined ? { maxMemoryMiB: limits.memoryMiB } : {}),
    ...(limits.diskGiB !== undefined ? { maxDiskGiB: limits.diskGiB } : {}),
    ...(limits.vms !== undefined ? { maxVms: limits.vms } : {}),
    ...(limits.containers !== undefined ? { maxContainers: limits.containers } : {}),
  };
  const q = await db.quota.upsert({ where: { userId }, update: data, create: { userId, ...trialQuota(), ...data } });
  return quotaView(q);
}

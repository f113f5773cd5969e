import type { Tx } from '../../platform/db.js';
import type { HostLoad } from '../vms/vm-placement.js';
import { storageChargedByHost } from '../quotas/storage-accounting.js';

// What VMs and containers share: the hosts of a zone, locked for the rest of the caller's
// transaction (so two creates cannot both take the last room), with what every kind of
// compute on them holds. A new kind of compute adds its usage here, once.

const GiB = 1024 ** 3;

/** Ready hosts of a zone (or one host), locked, with what VMs, containers and stored snapshots use. */
export async function lockedHostLoads(tx: Tx, which: { zone: string } | { hostId: string }): Promise<HostLoad[]> {
  type Row = { id: string; name: string; maintenance: number; cpus: number; memoryMiB: number; diskTotalBytes: bigint };
  const rows = 'zone' in which
    ? await tx.$queryRaw<Row[]>`
    SELECT id, name, maintenance, cpus, memoryMiB, diskTotalBytes FROM Host
    WHERE zone = ${which.zone} AND status = 'ready' AND cpus IS NOT NULL ORDER BY id FOR UPDATE`
    : await tx.$queryRaw<Row[]>`
    SELECT id, name, maintenance, cpus, memoryMiB, diskTotalBytes FROM Host WHERE id = ${which.hostId} AND cpus IS NOT NULL FOR UPDATE`;
  return hostUsage(tx, rows);
}

type HostRow = { id: string; name: string; maintenance: number | boolean; cpus: number; memoryMiB: number; diskTotalBytes: bigint | null };

/** What VMs, containers and stored snapshots hold on these hosts (placement locks the rows first; the admin's overview reads them as they are). */
export async function hostUsage(tx: Tx, rows: readonly HostRow[]): Promise<HostLoad[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const stored = await storageChargedByHost(tx, ids);
  const [vms, containers] = await Promise.all([
    tx.vm.groupBy({ by: ['hostId'], where: { hostId: { in: ids }, quotaHeld: true }, _sum: { vcpus: true, memoryMiB: true, diskGiB: true } }),
    tx.container.groupBy({ by: ['hostId'], where: { hostId: { in: ids }, quotaHeld: true }, _sum: { cpuMillis: true, memoryMiB: true, volumeGiB: true } }),
  ]);
  // Maps, not a find per host: a zone of a thousand hosts is a million comparisons otherwise.
  const vmsOn = new Map(vms.map((x) => [x.hostId, x._sum]));
  const containersOn = new Map(containers.map((x) => [x.hostId, x._sum]));
  return rows.map((r) => {
    const v = vmsOn.get(r.id);
    const c = containersOn.get(r.id);
    return {
      id: r.id, name: r.name, maintenance: Boolean(r.maintenance), cpus: r.cpus, memoryMiB: r.memoryMiB,
      diskTotalGiB: Math.floor(Number(r.diskTotalBytes ?? 0) / GiB),
      usedVcpus: (v?.vcpus ?? 0) + (c?.cpuMillis ?? 0) / 1000,
      usedMemoryMiB: (v?.memoryMiB ?? 0) + (c?.memoryMiB ?? 0),
      usedDiskGiB: (v?.diskGiB ?? 0) + (c?.volumeGiB ?? 0) + (stored.get(r.id) ?? 0),
    };
  });
}

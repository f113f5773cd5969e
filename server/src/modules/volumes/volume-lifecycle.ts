import { db } from '../../platform/db.js';
import { logger } from '../../platform/logger.js';
import { auditSystemAction } from '../../platform/audit.js';
import { meterKind, registerMeteredKind, type MeteredKind } from '../compute/metering.js';
import { driversFor } from '../hosts/host-connections.js';
import { registerTrialResource } from '../trials/trial-resources.js';
import { registerVmDeleteHook } from '../vms/vm-operations.js';
import { volumeFile } from './volume-operations.js';
import { deleteVolume } from './volumes.service.js';
import { recordFinding } from '../vms/findings.js';

// What happens to volumes around them: the hourly meter, reconciliation with the pools'
// directories, the trial ladder (deleted last), and a VM's delete (kept, or deleted with it).

/**
 * Volumes on the one compute meter (modules/compute/metering.ts): each hour of a volume's life
 * is booked once (`vol:<id>:h<k>`, hour 0 at create) under the same guard as VMs and
 * containers. An owner who cannot pay is not charged that hour, and nothing stops: volumes keep
 * their data.
 */
export const volumeMetering: MeteredKind = {
  kind: 'volume', table: 'Volume', reason: 'volume-hour', billable: ['ready'],
  reference: (id, hour) => `vol:${id}:h${hour}`,
  advance: async (id, hour, tx = db) => (await tx.volume.updateMany({ where: { id, billedHours: hour }, data: { billedHours: hour + 1 } })).count === 1,
  stopsWhenUnpaid: () => false,
  stopOwner: async () => 0,
};
registerMeteredKind(volumeMetering);

/** Books the volume hours due (the schedule runs meterCompute for every kind; tests call this). */
export async function meterVolumes(now = Date.now()): Promise<{ charged: number; skipped: number }> {
  const r = await meterKind(volumeMetering, now);
  return { charged: r.charged, skipped: r.skipped + r.unpaid };
}

/** Each ready pool's files against the database: a file no volume owns is a finding, never deleted. */
export async function reconcileVolumes(): Promise<{ pools: number; findings: number }> {
  const report = { pools: 0, findings: 0 };
  for (const pool of await db.storagePool.findMany({ where: { status: 'ready', host: { status: 'ready' } }, include: { host: true } })) {
    let files: string[];
    try {
      files = await (await driversFor(pool.host)).storage.listVolumes({ name: pool.name, path: pool.path });
    } catch (err) {
      logger.warn({ err, pool: pool.name }, 'reconcile: could not list a pool');
      continue;
    }
    report.pools++;
    const known = new Set((await db.volume.findMany({ where: { poolId: pool.id, state: { not: 'deleted' } }, select: { id: true } })).map((v) => volumeFile(v.id)));
    for (const file of files) {
      if (known.has(file)) continue;
      // A volume being made right now has its row already; a deleted one's file is a stranger.
      const message = `File ${pool.path}/${file} in pool ${pool.name} on ${pool.host.name} is not a volume the platform knows. It was left untouched.`.slice(0, 1000);
      if (await recordFinding('unknown-volume', pool.hostId, file.slice(0, 80), message)) report.findings++;
    }
  }
  return report;
}

// A deleted VM lets go of its volumes: kept (detached, data intact) unless the owner chose to
// delete them with it. The domain is already undefined, so nothing is unplugged on the host.
registerVmDeleteHook(async (vm, choice) => {
  const attached = await db.volume.findMany({ where: { vmId: vm.id }, select: { id: true } });
  if (!attached.length) return;
  await db.volume.updateMany({ where: { vmId: vm.id }, data: { vmId: null, device: null } });
  if (choice !== 'delete') return;
  for (const v of attached) {
    try {
      await deleteVolume(vm.ownerId, v.id);
    } catch (err) {
      logger.warn({ err, volumeId: v.id }, 'could not delete a volume with its VM; it is kept, detached');
    }
  }
});

registerTrialResource({
  kind: 'volume',
  deleteOrder: 90,
  stopAll: async () => 0,
  resumeAll: async () => 0,
  async deleteAll(userId) {
    const left = await db.volume.findMany({ where: { ownerId: userId, state: { not: 'deleted' } }, select: { id: true, name: true, state: true, currentOperationId: true } });
    for (const v of left) {
      if (v.currentOperationId || !['ready', 'error'].includes(v.state)) continue;
      try {
        await deleteVolume(userId, v.id);
        await auditSystemAction({ action: 'volume.delete.trial-ended', targetType: 'volume', targetId: v.id, details: { ownerId: userId, name: v.name } });
      } catch (err) {
        logger.warn({ err, volumeId: v.id }, 'could not delete a volume of an ended trial; the next tick retries');
      }
    }
    return left.length;
  },
  ownersStillRunning: async () => [],
});


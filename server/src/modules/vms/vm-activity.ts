import { db } from '../../platform/db.js';
import type { ActivityItem } from './vms.schemas.js';
import { toOperationDto } from './vms.service.js';

// A person's activity: every operation on their resources (VMs, containers, volumes, networks,
// their own templates), newest first, with the name of what it was about and who or what
// started it (the task log across resources; a VM's own page shows the same rows for one VM).

type Named = { id: string; name: string };
/** Where each kind of target keeps its name. */
const NAMERS: Record<string, (ids: string[]) => Promise<Named[]>> = {
  vm: (ids) => db.vm.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  template: (ids) => db.template.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  container: (ids) => db.container.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  volume: (ids) => db.volume.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  network: (ids) => db.network.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
};

/** Names of the targets, deleted ones included while their row is kept. */
async function targetNames(targets: { targetType: string; targetId: string }[]): Promise<Map<string, string>> {
  const found = await Promise.all(Object.entries(NAMERS).map(([type, namesOf]) => {
    const ids = [...new Set(targets.filter((t) => t.targetType === type).map((t) => t.targetId))];
    return ids.length ? namesOf(ids) : [];
  }));
  return new Map(found.flat().map((r) => [r.id, r.name]));
}

export async function listActivity(ownerId: string, page: number, pageSize: number) {
  const where = { ownerId };
  const [rows, total] = await Promise.all([
    db.operation.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
    db.operation.count({ where }),
  ]);
  const names = await targetNames(rows);
  const items: ActivityItem[] = rows.map((o) => ({ ...toOperationDto(o), targetType: o.targetType, targetName: names.get(o.targetId) ?? null }));
  return { items, total, page, pageSize };
}

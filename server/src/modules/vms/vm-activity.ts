import { db } from '../../platform/db.js';
import type { ActivityItem } from './vms.schemas.js';
import { toOperationDto } from './vms.service.js';

// A person's activity: every operation on their resources (VMs, their own templates), newest
// first, with the name of what it was about and who or what started it (the task log across
// resources; a VM's own page shows the same rows for one VM).

/** Names of the targets, deleted ones included (the row keeps its name). */
async function targetNames(targets: { targetType: string; targetId: string }[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(targets.filter((t) => t.targetType === type).map((t) => t.targetId))];
  const [vms, templates] = await Promise.all([
    ids('vm').length ? db.vm.findMany({ where: { id: { in: ids('vm') } }, select: { id: true, name: true } }) : [],
    ids('template').length ? db.template.findMany({ where: { id: { in: ids('template') } }, select: { id: true, name: true } }) : [],
  ]);
  return new Map([...vms, ...templates].map((r) => [r.id, r.name]));
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

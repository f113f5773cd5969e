import { db } from '../../platform/db.js';

// Audit rows and operations point at their target by type and id; admins read names. One
// query per type present in the batch, whatever its size. A type not listed here (or a row
// gone for good) has no name: the caller shows the id.

type Lookup = (ids: string[]) => Promise<{ id: string; name: string }[]>;

const LOOKUPS: Record<string, Lookup> = {
  vm: (ids) => db.vm.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  container: (ids) => db.container.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  network: (ids) => db.network.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  host: (ids) => db.host.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  template: (ids) => db.template.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  volume: (ids) => db.volume.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  user: async (ids) => (await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } })).map((u) => ({ id: u.id, name: u.email })),
};

/** `type:id` -> name, for the targets that still have a row. */
export async function targetNames(targets: readonly { targetType: string | null; targetId: string | null }[]): Promise<Map<string, string>> {
  const byType = new Map<string, Set<string>>();
  for (const t of targets) {
    if (!t.targetType || !t.targetId || !LOOKUPS[t.targetType]) continue;
    let ids = byType.get(t.targetType);
    if (!ids) byType.set(t.targetType, (ids = new Set()));
    ids.add(t.targetId);
  }
  const names = new Map<string, string>();
  await Promise.all([...byType].map(async ([type, ids]) => {
    for (const row of await LOOKUPS[type]!([...ids])) names.set(`${type}:${row.id}`, row.name);
  }));
  return names;
}

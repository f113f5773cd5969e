// Registers the lab's hosts (.data/lab/hosts.json) with the platform, as an admin would:
// probe, pin the host key, read capacity. Hosts already registered are probed again. Then a
// template for the lab's bootable image, so a newcomer's first VM needs no image path.
import 'dotenv/config';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../server/src/config.js';
import { db } from '../server/src/platform/db.js';
import { redis } from '../server/src/platform/redis.js';
import { closeSql } from '../server/src/platform/sql.js';
import { probeHostNow, registerHost, updateHost } from '../server/src/modules/hosts/hosts.service.js';
import { closeHostConnections } from '../server/src/modules/hosts/host-connections.js';
import { createTemplate } from '../server/src/modules/templates/templates.service.js';

interface LabHost { name: string; address: string; port: number; user: string; baseImage: string }
const hosts = JSON.parse(readFileSync(path.join(REPO_ROOT, '.data/lab/hosts.json'), 'utf8')) as LabHost[];
try {
  for (const h of hosts) {
    const existing = await db.host.findUnique({ where: { name: h.name } });
    const dto = existing
      ? await probeHostNow(existing.id)
      : await registerHost({ name: h.name, address: h.address, port: h.port, sshUser: h.user, zone: 'lab' });
    console.log(`[lab] host ${dto.name} ${dto.address}: ${dto.status}${dto.statusReason ? ` (${dto.statusReason})` : ''}`);
    // The lab's OVN central (scripts/lab/ovn) is lab1: naming it turns private networks on.
    if (h.name === 'lab1' && !(await db.host.count({ where: { ovnCentral: true } }))) await updateHost(dto.id, { ovnCentral: true });
  }
  // Every lab host has the same image at the same path (scripts/lab/lab builds it once).
  const image = hosts[0]?.baseImage;
  if (image && !(await db.template.findFirst({ where: { zone: 'lab', imagePath: image, ownerId: null } }))) {
    const t = await createTemplate({
      name: 'tiny-linux', osLabel: 'Tiny Linux (busybox, the lab image)', zone: 'lab', imagePath: image,
      defaultDiskGiB: 1, maxDiskGiB: 4, minMemoryMiB: 64, enabled: true,
    });
    console.log(`[lab] template ${t.name} (${image}) ready: sign in and create a VM from it`);
  }
} finally {
  await closeHostConnections();
  await db.$disconnect();
  await closeSql();
  redis.disconnect();
}

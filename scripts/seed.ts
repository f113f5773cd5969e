// Makes sure the first administrator exists. Email and password come from ADMIN_EMAIL /
// ADMIN_PASSWORD; without a password one is generated and printed this once.
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { config } from '../server/src/config.js';
import { db } from '../server/src/platform/db.js';
import { redis } from '../server/src/platform/redis.js';
import { closeSql } from '../server/src/platform/sql.js';
import { createUser } from '../server/src/modules/users/users.service.js';
import { createFlavor } from '../server/src/modules/flavors/flavors.service.js';

const DEFAULT_FLAVORS = [
  { name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 10 },
  { name: 'medium', vcpus: 2, memoryMiB: 2048, diskGiB: 20 },
  { name: 'large', vcpus: 4, memoryMiB: 4096, diskGiB: 40 },
];

try {
  const existing = await db.user.findUnique({ where: { email: config.ADMIN_EMAIL.toLowerCase() }, select: { role: true } });
  if (existing) {
    console.log(`[seed] admin ${config.ADMIN_EMAIL} already exists`);
  } else {
    const password = config.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
    await createUser({ email: config.ADMIN_EMAIL.toLowerCase(), password, displayName: 'Administrator', role: 'admin', trial: false, emailVerified: true });
    console.log(`[seed] created admin ${config.ADMIN_EMAIL}${config.ADMIN_PASSWORD ? '' : ` with password ${password} (shown once)`}`);
  }
  // A new site offers three sizes in the wizard; admins change them under Admin › Templates.
  if ((await db.flavor.count()) === 0) {
    for (const f of DEFAULT_FLAVORS) await createFlavor(f);
    console.log(`[seed] added the sizes ${DEFAULT_FLAVORS.map((f) => f.name).join(', ')}`);
  }
} finally {
  await db.$disconnect();
  await closeSql();
  redis.disconnect();
}

// Makes sure the first administrator exists. Email and password come from ADMIN_EMAIL /
// ADMIN_PASSWORD; without a password one is generated and printed this once.
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { config } from '../server/src/config.js';
import { db } from '../server/src/platform/db.js';
import { redis } from '../server/src/platform/redis.js';
import { closeSql } from '../server/src/platform/sql.js';
import { createUser } from '../server/src/modules/users/users.service.js';

try {
  const existing = await db.user.findUnique({ where: { email: config.ADMIN_EMAIL.toLowerCase() }, select: { role: true } });
  if (existing) {
    console.log(`[seed] admin ${config.ADMIN_EMAIL} already exists`);
  } else {
    const password = config.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
    await createUser({ email: config.ADMIN_EMAIL.toLowerCase(), password, displayName: 'Administrator', role: 'admin', trial: false, emailVerified: true });
    console.log(`[seed] created admin ${config.ADMIN_EMAIL}${config.ADMIN_PASSWORD ? '' : ` with password ${password} (shown once)`}`);
  }
} finally {
  await db.$disconnect();
  await closeSql();
  redis.disconnect();
}

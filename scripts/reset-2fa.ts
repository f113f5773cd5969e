// Turns off two-factor sign-in for one account from the server's shell, for when no
// administrator can sign in to do it from the users page (an admin who lost their phone and
// recovery codes, or a lost TOTP_ENCRYPTION_KEY). Audited as a system action.
//   pnpm exec tsx scripts/reset-2fa.ts someone@campus.edu
import 'dotenv/config';
import { db } from '../server/src/platform/db.js';
import { redis } from '../server/src/platform/redis.js';
import { closeSql } from '../server/src/platform/sql.js';
import { auditSystemAction } from '../server/src/platform/audit.js';
import { adminResetTwoFactor } from '../server/src/modules/auth/totp.service.js';

const email = process.argv[2]?.trim().toLowerCase();
try {
  if (!email) throw new Error('usage: pnpm exec tsx scripts/reset-2fa.ts <email>');
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new Error(`no account has the address ${email}`);
  await adminResetTwoFactor(user.id);
  await auditSystemAction({ action: 'admin.user.reset-2fa', targetType: 'user', targetId: user.id, details: { via: 'scripts/reset-2fa.ts' } });
  console.log(`[reset-2fa] two-factor sign-in is off for ${email}; they can set it up again from their profile page`);
} catch (err) {
  console.error(`[reset-2fa] ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
  await closeSql();
  redis.disconnect();
}

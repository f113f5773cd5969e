// Another server process for the port-pool test: it opens tunnels for the given user
// concurrently, through the same service the API uses, and prints what each got.
import { db } from '../../../platform/db.js';
import { redis } from '../../../platform/redis.js';
import { closeSql } from '../../../platform/sql.js';
import { isAppError } from '../../../platform/errors.js';
import { createTunnel } from '../tunnels.service.js';

const userId = process.env.ALLOC_USER!;
const count = Number(process.env.ALLOC_COUNT ?? '10');
const results = await Promise.all(Array.from({ length: count }, () => createTunnel(userId, { kind: 'reverse' }).then(
  (t) => ({ port: t.port }),
  (e: unknown) => ({ error: isAppError(e) ? e.code : String(e) }),
)));
console.log(JSON.stringify(results));
await Promise.allSettled([db.$disconnect(), closeSql(), redis.quit()]);

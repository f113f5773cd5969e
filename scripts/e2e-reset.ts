// Recreates the browser tests' own database (DATABASE_URL must end in _test) and clears
// their Redis db, so e2e runs start clean and never touch the integration tests' data.
import mariadb from 'mariadb';
import { Redis } from 'ioredis';
import { migrate } from '../server/src/platform/migrate.js';
import { mariadbOptions } from '../server/src/platform/db.js';

const url = process.env.DATABASE_URL ?? '';
const o = mariadbOptions(url, 1);
if (!o.database.endsWith('_test')) throw new Error(`refusing to reset ${o.database}`);
const c = await mariadb.createConnection({ ...o, database: undefined });
await c.query(`DROP DATABASE IF EXISTS \`${o.database}\``);
await c.end();
await migrate(url);
const r = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/13');
await r.flushdb();
r.disconnect();

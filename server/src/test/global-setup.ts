import mariadb from 'mariadb';
import { Redis } from 'ioredis';
import { migrate } from '../platform/migrate.js';
import { mariadbOptions } from '../platform/db.js';

// Fresh test database each run: drop, create, apply the committed migrations.
export default async function setup() {
  const url = process.env.DATABASE_URL!;
  const o = mariadbOptions(url, 1);
  if (!o.database.endsWith('_test')) throw new Error(`Refusing to reset ${o.database}: test databases end in _test`);
  const conn = await mariadb.createConnection({ ...o, database: undefined });
  await conn.query(`DROP DATABASE IF EXISTS \`${o.database}\``);
  await conn.end();
  await migrate(url);
  const redis = new Redis(process.env.REDIS_URL!);
  await redis.flushdb();
  redis.disconnect();
}

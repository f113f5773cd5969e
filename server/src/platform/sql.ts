import mariadb from 'mariadb';
import { config } from '../config.js';
import { mariadbOptions } from './db.js';

// A few hot reads (the principal behind an API token, GET /api/me) run on every request.
// Through Prisma each costs ~1 ms of CPU here, through the driver ~0.2 ms; so those fixed,
// typed queries use the driver's pool directly. Everything else goes through Prisma.
// The pool opens on first use, so scripts that never need it are not kept alive by it.
let pool: mariadb.Pool | undefined;

export async function queryOne<T>(sql: string, params: unknown[]): Promise<T | undefined> {
  pool ??= mariadb.createPool(mariadbOptions(config.DATABASE_URL));
  const rows = (await pool.execute(sql, params)) as T[];
  return rows[0];
}

export async function closeSql(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.end();
}

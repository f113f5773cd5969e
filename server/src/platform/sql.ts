import mariadb from 'mariadb';
import { config } from '../config.js';
import { mariadbOptions } from './db.js';

// The hot path's SQL. Prisma 7 costs 0.6-2.8 ms of CPU per statement here (an update with a
// select: 2.8 ms; a one-row createMany: 2.7 ms), the driver 0.1-0.4 ms for the same
// statement, and every request pays for its statements. So the few fixed statements that run
// on nearly every request (principal lookup, GET /api/me, the audit row, the admin user
// update) use the driver's pool directly; everything else goes through Prisma, whose
// transactions and relations earn their cost. Values are always bound, never interpolated.
// The pool opens on first use, so scripts that never need it are not kept alive by it.
let pool: mariadb.Pool | undefined;

const getPool = () => (pool ??= mariadb.createPool(mariadbOptions(config.DATABASE_URL)));

/** Rows of a SELECT. */
export async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await getPool().execute(sql, params)) as T[];
}

export async function queryOne<T>(sql: string, params: unknown[]): Promise<T | undefined> {
  return (await query<T>(sql, params))[0];
}

/** An INSERT/UPDATE/DELETE; resolves to the rows it matched. */
export async function execute(sql: string, params: unknown[] = []): Promise<number> {
  const r = (await getPool().execute(sql, params)) as { affectedRows: number };
  return r.affectedRows;
}

/**
 * One INSERT for many rows: `INSERT INTO t (a, b) VALUES (?, ?), (?, ?)`. Column names are
 * the caller's constants; values are bound. The text protocol, so each batch size is not a
 * statement of its own in the server's prepared-statement cache.
 */
export async function insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<number> {
  if (rows.length === 0) return 0;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`;
  const r = (await getPool().query(sql, rows.flat())) as { affectedRows: number };
  return r.affectedRows;
}

export async function closeSql(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.end();
}

import mariadb from 'mariadb';
import { config } from '../config.js';
import { mariadbOptions } from './db.js';

// A few hot reads (the caller's session principal behind a token, GET /api/me) run on every
// request. Through Prisma each costs ~1 ms of CPU here, through the driver ~0.2 ms; so those
// fixed, typed queries use the driver's pool directly. Everything else goes through Prisma.
export const sqlPool = mariadb.createPool({ ...mariadbOptions(config.DATABASE_URL), dateStrings: false, bigIntAsNumber: false });

export async function queryOne<T>(sql: string, params: unknown[]): Promise<T | undefined> {
  const rows = (await sqlPool.execute(sql, params)) as T[];
  return rows[0];
}

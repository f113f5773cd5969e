import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import mariadb from 'mariadb';
import { mariadbOptions } from './db.js';

// Applies prisma/migrations/*/migration.sql in order and records each in
// `_prisma_migrations` exactly as Prisma Migrate does (same table, sha256 checksum), so
// `prisma migrate deploy/status` agree wherever Prisma's schema engine is available.
// Prisma's engine cannot be downloaded on these machines; this runner needs none.

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../prisma/migrations');

export interface MigrationResult { applied: string[]; alreadyApplied: string[] }

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS \`_prisma_migrations\` (
    \`id\`                    VARCHAR(36) PRIMARY KEY NOT NULL,
    \`checksum\`              VARCHAR(64) NOT NULL,
    \`finished_at\`           DATETIME(3),
    \`migration_name\`        VARCHAR(255) NOT NULL,
    \`logs\`                  TEXT,
    \`rolled_back_at\`        DATETIME(3),
    \`started_at\`            DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`applied_steps_count\`   INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

export function listMigrations(dir = MIGRATIONS_DIR) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }

export async function migrate(url: string, opts: { createDatabase?: boolean; log?: (m: string) => void } = {}): Promise<MigrationResult> {
  const log = opts.log ?? (() => {});
  const o = mariadbOptions(url, 1);
  if (!/^[A-Za-z0-9_]+$/.test(o.database)) throw new Error(`Refusing odd database name "${o.database}"`);
  if (opts.createDatabase !== false) {
    const admin = await mariadb.createConnection({ ...o, database: undefined });
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${o.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
  }
  const conn = await mariadb.createConnection({ ...o, multipleStatements: true });
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  try {
    // Two instances starting together must not both apply the same migration.
    const [{ got }] = (await conn.query(`SELECT GET_LOCK(?, 60) AS got`, [`migrate:${o.database}`])) as [{ got: number }];
    if (Number(got) !== 1) throw new Error('Another process holds the migration lock');
    await conn.query(CREATE_TABLE);
    const rows = (await conn.query('SELECT migration_name, checksum, finished_at, rolled_back_at FROM `_prisma_migrations`')) as AppliedRow[];
    const applied = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
    for (const m of listMigrations()) {
      const prev = applied.get(m.name);
      if (prev?.finished_at) {
        if (prev.checksum !== m.checksum) log(`warning: ${m.name} was edited after it was applied (checksum differs)`);
        result.alreadyApplied.push(m.name);
        continue;
      }
      if (prev) throw new Error(`Migration ${m.name} failed earlier and needs manual resolution (see _prisma_migrations.logs)`);
      const id = randomUUID();
      await conn.query('INSERT INTO `_prisma_migrations` (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)', [id, m.checksum, m.name]);
      try {
        await conn.query(m.sql);
      } catch (err) {
        await conn.query('UPDATE `_prisma_migrations` SET logs = ? WHERE id = ?', [String((err as Error).message), id]);
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      await conn.query('UPDATE `_prisma_migrations` SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?', [id]);
      log(`applied ${m.name}`);
      result.applied.push(m.name);
    }
    await conn.query(`SELECT RELEASE_LOCK(?)`, [`migrate:${o.database}`]);
  } finally {
    await conn.end();
  }
  return result;
}

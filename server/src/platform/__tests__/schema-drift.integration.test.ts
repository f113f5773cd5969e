import { describe, expect, it } from 'vitest';
import { db } from '../db.js';
import { compareSchema, introspect } from '../schema-drift.js';
import { loadDmmf } from '../../test/dmmf.js';

// The test database was created empty and migrated by the committed SQL alone
// (server/src/test/global-setup.ts), so this compares schema.prisma with the migrations.
describe('schema.prisma and prisma/migrations', () => {
  it('agree on tables, columns, types, nullability, keys and indexes', async () => {
    const problems = compareSchema(await loadDmmf(), await introspect(db));
    expect(problems, `schema drift:\n${problems.join('\n')}`).toEqual([]);
  });

  it('record every migration in _prisma_migrations the way Prisma does', async () => {
    const rows = await db.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null }[]>`
      SELECT migration_name, checksum, finished_at FROM _prisma_migrations`;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).not.toBeNull();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { compareSchema, type DbSchema, type Dmmf } from '../schema-drift.js';
import { loadDmmf } from '../../test/dmmf.js';

// A database shaped exactly like the schema, then broken one way at a time: each drift
// must be reported with the model and the field.
function dbFromDmmf(d: Dmmf): DbSchema {
  const out: DbSchema = new Map();
  for (const m of d.models) {
    const cols = m.fields.filter((f) => f.kind !== 'object').map((f) => {
      const e = d.enums.find((x) => x.name === f.type);
      const ct = e ? `enum(${e.values.map((v) => `'${v.name}'`).join(',')})`
        : f.nativeType ? `${f.nativeType[0].toLowerCase()}${f.nativeType[1].length ? `(${f.nativeType[1].join(",")})` : ""}`
        : f.type === 'DateTime' ? 'datetime(3)' : f.type === 'String' ? 'varchar(191)' : f.type === 'Int' ? 'int(11)' : f.type === 'BigInt' ? 'bigint(20)' : f.type === 'Boolean' ? 'tinyint(1)' : 'longtext';
      return { name: f.name, columnType: ct, dataType: ct.replace(/\(.*/, ''), nullable: !f.isRequired };
    });
    const indexes = d.indexes.filter((i) => i.model === m.name).map((i, n) => ({
      name: i.type === 'id' ? 'PRIMARY' : `${m.name}_${n}`, unique: i.type !== 'normal', columns: i.fields.map((f) => f.name),
    }));
    const foreignKeys = m.fields.filter((f) => f.relationFromFields?.length).map((f) => ({
      name: `${m.name}_${f.name}_fkey`, columns: [...f.relationFromFields!], refTable: f.type, refColumns: [...f.relationToFields!],
    }));
    out.set(m.name, { columns: cols, indexes, foreignKeys });
  }
  return out;
}

describe('compareSchema', () => {
  it('finds nothing when the database matches', async () => {
    const d = await loadDmmf();
    expect(compareSchema(d, dbFromDmmf(d))).toEqual([]);
  });

  it('names the model and field of each drift', async () => {
    const d = await loadDmmf();
    const db = dbFromDmmf(d);
    const user = db.get('User')!;
    user.columns = user.columns.filter((c) => c.name !== 'displayName');
    user.columns.find((c) => c.name === 'trialEndsAt')!.nullable = false;
    user.columns.find((c) => c.name === 'email')!.columnType = 'varchar(100)';
    user.indexes = user.indexes.filter((i) => !(i.unique && i.columns[0] === 'email'));
    db.get('ApiToken')!.foreignKeys = [];
    db.get('Quota')!.columns.push({ name: 'legacy', columnType: 'int(11)', dataType: 'int', nullable: true });
    db.set('Stray', { columns: [], indexes: [], foreignKeys: [] });

    const problems = compareSchema(d, db);
    const has = (re: RegExp) => expect(problems.some((p) => re.test(p)), `${re} in\n${problems.join('\n')}`).toBe(true);
    has(/^User\.displayName: column is missing/);
    has(/^User\.trialEndsAt: schema says optional but the column is NOT NULL/);
    has(/^User\.email: schema expects varchar\(254\) but the column is varchar\(100\)/);
    has(/^User\.email: schema declares a unique index/);
    has(/^ApiToken\.user: foreign key \(userId\) -> User is missing/);
    has(/^Quota: column `legacy` exists in the database/);
    has(/table `Stray` exists in the database/);
  });
});

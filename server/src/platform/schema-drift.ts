import type { Tx } from './db.js';

// Compares Prisma's DMMF (from schema.prisma) with what the migrations built in MySQL:
// tables, columns, types, nullability, primary/unique/plain indexes and foreign keys.
// Pure comparison here; introspection of a live database below. Every finding names the
// model and field so a drift is fixed in minutes.

export interface DmmfField {
  name: string; dbName?: string | null; kind: string; type: string; isRequired: boolean; isList: boolean;
  nativeType?: [string, string[]] | null; relationFromFields?: readonly string[]; relationToFields?: readonly string[];
}
export interface DmmfModel { name: string; dbName: string | null; fields: readonly DmmfField[] }
export interface DmmfIndex { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: readonly { name: string }[] }
export interface DmmfEnum { name: string; values: readonly { name: string; dbName?: string | null }[] }
export interface Dmmf { models: readonly DmmfModel[]; enums: readonly DmmfEnum[]; indexes: readonly DmmfIndex[] }

export interface DbColumn { name: string; columnType: string; dataType: string; nullable: boolean }
export interface DbIndex { name: string; unique: boolean; columns: string[] }
export interface DbForeignKey { name: string; columns: string[]; refTable: string; refColumns: string[] }
export interface DbTable { columns: DbColumn[]; indexes: DbIndex[]; foreignKeys: DbForeignKey[] }
export type DbSchema = Map<string, DbTable>;

const IGNORED_TABLES = new Set(['_prisma_migrations']);

const BASE_TYPES: Record<string, string[]> = {
  String: ['varchar', 'char', 'text', 'tinytext', 'mediumtext', 'longtext'],
  Int: ['int'],
  BigInt: ['bigint'],
  Boolean: ['tinyint'],
  DateTime: ['datetime', 'timestamp', 'date'],
  Float: ['double', 'float'],
  Decimal: ['decimal'],
  Json: ['json', 'longtext'],
  Bytes: ['longblob', 'blob', 'varbinary', 'binary'],
};

function expectedColumnType(f: DmmfField, enums: Map<string, DmmfEnum>): { accepts: (c: DbColumn) => boolean; describe: string } {
  if (f.kind === 'enum') {
    const e = enums.get(f.type)!;
    const want = `enum(${e.values.map((v) => `'${v.dbName ?? v.name}'`).join(',')})`;
    return { accepts: (c) => c.columnType.replace(/\s/g, '') === want, describe: want };
  }
  if (f.nativeType) {
    const [name, args] = f.nativeType;
    const want = `${name.toLowerCase()}${args.length ? `(${args.join(',')})` : ''}`;
    return { accepts: (c) => c.columnType.replace(/\s/g, '') === want, describe: want };
  }
  if (f.type === 'DateTime') return { accepts: (c) => c.columnType === 'datetime(3)', describe: 'datetime(3)' };
  if (f.type === 'String') return { accepts: (c) => c.columnType === 'varchar(191)', describe: 'varchar(191)' };
  const ok = BASE_TYPES[f.type] ?? [];
  return { accepts: (c) => ok.includes(c.dataType), describe: ok.join('|') };
}

const sameCols = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function compareSchema(dmmf: Dmmf, db: DbSchema): string[] {
  const problems: string[] = [];
  const enums = new Map(dmmf.enums.map((e) => [e.name, e]));
  const tableOf = new Map(dmmf.models.map((m) => [m.name, m.dbName ?? m.name]));

  for (const model of dmmf.models) {
    const tableName = model.dbName ?? model.name;
    const table = db.get(tableName);
    if (!table) {
      problems.push(`${model.name}: table \`${tableName}\` is missing from the migrated database`);
      continue;
    }
    const colOf = new Map(model.fields.map((f) => [f.name, f.dbName ?? f.name]));
    const scalars = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
    const known = new Set(scalars.map((f) => f.dbName ?? f.name));
    for (const f of scalars) {
      const col = table.columns.find((c) => c.name === (f.dbName ?? f.name));
      if (!col) {
        problems.push(`${model.name}.${f.name}: column is missing from table \`${tableName}\``);
        continue;
      }
      if (col.nullable === f.isRequired) {
        problems.push(`${model.name}.${f.name}: schema says ${f.isRequired ? 'required' : 'optional'} but the column is ${col.nullable ? 'NULL' : 'NOT NULL'}`);
      }
      const t = expectedColumnType(f, enums);
      if (!t.accepts(col)) problems.push(`${model.name}.${f.name}: schema expects ${t.describe} but the column is ${col.columnType}`);
    }
    for (const c of table.columns) {
      if (!known.has(c.name)) problems.push(`${model.name}: column \`${c.name}\` exists in the database but not in schema.prisma`);
    }

    // Indexes: primary, unique and plain, compared as column lists.
    const expected = dmmf.indexes
      .filter((i) => i.model === model.name && i.type !== 'fulltext')
      .map((i) => ({ type: i.type, columns: i.fields.map((f) => colOf.get(f.name) ?? f.name) }));
    const fkNames = new Set(table.foreignKeys.map((fk) => fk.name));
    const actual = table.indexes
      // MySQL adds an index for a foreign key that has none; it carries the constraint's name.
      .filter((i) => !fkNames.has(i.name))
      .map((i) => ({ type: i.name === 'PRIMARY' ? 'id' : i.unique ? 'unique' : 'normal', columns: i.columns, name: i.name }));
    for (const e of expected) {
      if (!actual.some((a) => a.type === e.type && sameCols(a.columns, e.columns))) {
        problems.push(`${model.name}.${e.columns.join('+')}: schema declares a ${e.type === 'id' ? 'primary key' : `${e.type} index`} on (${e.columns.join(', ')}) that the database lacks`);
      }
    }
    for (const a of actual) {
      if (!expected.some((e) => e.type === a.type && sameCols(a.columns, e.columns))) {
        problems.push(`${model.name}.${a.columns.join('+')}: the database has ${a.type === 'id' ? 'a primary key' : `a ${a.type} index \`${a.name}\``} on (${a.columns.join(', ')}) that schema.prisma does not declare`);
      }
    }

    // Foreign keys from relation fields that hold the scalar side.
    const rels = model.fields.filter((f) => f.kind === 'object' && f.relationFromFields && f.relationFromFields.length > 0);
    for (const r of rels) {
      const cols = r.relationFromFields!.map((n) => colOf.get(n) ?? n);
      const ref = tableOf.get(r.type) ?? r.type;
      const fk = table.foreignKeys.find((k) => sameCols(k.columns, cols));
      if (!fk) problems.push(`${model.name}.${r.name}: foreign key (${cols.join(', ')}) -> ${ref} is missing`);
      else if (fk.refTable !== ref || !sameCols(fk.refColumns, r.relationToFields ?? [])) {
        problems.push(`${model.name}.${r.name}: foreign key (${cols.join(', ')}) points at ${fk.refTable}(${fk.refColumns.join(', ')}), schema says ${ref}(${(r.relationToFields ?? []).join(', ')})`);
      }
    }
    for (const fk of table.foreignKeys) {
      if (!rels.some((r) => sameCols(r.relationFromFields!.map((n) => colOf.get(n) ?? n), fk.columns))) {
        problems.push(`${model.name}: the database has foreign key \`${fk.name}\` on (${fk.columns.join(', ')}) that schema.prisma does not declare`);
      }
    }
  }
  const modelTables = new Set(tableOf.values());
  for (const name of db.keys()) {
    if (!modelTables.has(name) && !IGNORED_TABLES.has(name)) problems.push(`(no model): table \`${name}\` exists in the database but no model maps to it`);
  }
  return problems;
}

/** Reads tables, columns, indexes and foreign keys of the current database. */
export async function introspect(q: Pick<Tx, '$queryRaw'>): Promise<DbSchema> {
  const cols = await q.$queryRaw<{ t: string; c: string; ct: string; dt: string; n: string }[]>`
    SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE ct, DATA_TYPE dt, IS_NULLABLE n
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`;
  const idx = await q.$queryRaw<{ t: string; i: string; nu: number | bigint; c: string }[]>`
    SELECT TABLE_NAME t, INDEX_NAME i, NON_UNIQUE nu, COLUMN_NAME c
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`;
  const fks = await q.$queryRaw<{ t: string; k: string; c: string; rt: string; rc: string }[]>`
    SELECT TABLE_NAME t, CONSTRAINT_NAME k, COLUMN_NAME c, REFERENCED_TABLE_NAME rt, REFERENCED_COLUMN_NAME rc
    FROM information_schema.KEY_COLUMN_USAGE
    WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`;
  const out: DbSchema = new Map();
  const table = (t: string) => {
    let v = out.get(t);
    if (!v) out.set(t, (v = { columns: [], indexes: [], foreignKeys: [] }));
    return v;
  };
  for (const r of cols) table(r.t).columns.push({ name: r.c, columnType: r.ct.toLowerCase(), dataType: r.dt.toLowerCase(), nullable: r.n === 'YES' });
  for (const r of idx) {
    const t = table(r.t);
    let i = t.indexes.find((x) => x.name === r.i);
    if (!i) t.indexes.push((i = { name: r.i, unique: Number(r.nu) === 0, columns: [] }));
    i.columns.push(r.c);
  }
  for (const r of fks) {
    const t = table(r.t);
    let k = t.foreignKeys.find((x) => x.name === r.k);
    if (!k) t.foreignKeys.push((k = { name: r.k, columns: [], refTable: r.rt, refColumns: [] }));
    k.columns.push(r.c);
    k.refColumns.push(r.rc);
  }
  return out;
}

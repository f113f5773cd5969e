import { readFileSync } from 'node:fs';
import path from 'node:path';
import internals from '@prisma/internals';
import type { Dmmf } from '../platform/schema-drift.js';

// Prisma's own parser (WebAssembly; no engine download) reads schema.prisma.
export async function loadDmmf(): Promise<Dmmf> {
  const schema = readFileSync(path.resolve(import.meta.dirname, '../../../prisma/schema.prisma'), 'utf8');
  const { getDMMF } = internals as unknown as { getDMMF: (o: { datamodel: string }) => Promise<{ datamodel: Dmmf }> };
  return (await getDMMF({ datamodel: schema })).datamodel;
}

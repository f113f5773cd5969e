import { randomUUID } from 'node:crypto';
import type { Prng } from './prng.js';

// What a fuzzed request is made of: hostile values for JSON fields, path segments, query
// values and headers, and bodies built from a route's JSON Schema (one field hostile while
// the others are plausible, so a request gets past the first check and reaches deeper).
// Plausible strings for fields that name a network place are 127.0.0.1: a request that
// happens to be valid must never make the server reach beyond this machine.

const BIG = 'x'.repeat(200_000);
const UNICODE = [
  '\u202eevil\u202c', 'nul\u0000byte', '\ud800lone-surrogate', '\udfff', '😀'.repeat(40), 'Z̷̡͚a̴̳͝l̶g̵o̸', '名前\u3000',
  '\u0000', '\ufeffbom', 'tab\tnew\nline\r', '\u2028\u2029',
];
const INJECTION = ['../../etc/passwd', "'; DROP TABLE `User`; --", '${jndi:ldap://127.0.0.1/x}', '<script>alert(1)</script>', '$(reboot)', '`id`', '%00%2e%2e%2f', '{{7*7}}'];

/** Values that are wrong for most fields: wrong types, extremes, hostile text. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, -0.000001, 1e308, -1e308, 2 ** 53 + 1, '', ' ', BIG, ...UNICODE, ...INJECTION,
  [], [null], ['a', 1, {}], {}, { $gt: '' }, JSON.parse('{"__proto__":{"admin":true}}'), nestedWithinLimit(30),
];

function nestedWithinLimit(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Raw (already encoded) path segments to put where an id goes. */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '..', '.', '%2e%2e', '%2e%2e%2f%2e%2e', '%00', 'a%00b', '%ZZ', '%', '%E2%80%AE', '%F0%9F%98%80', '%ED%A0%80', '%FF%FE',
  'a'.repeat(3000), '1', '-1', '0', 'null', 'undefined', '__proto__', 'constructor', "'%20OR%201=1--", '%27%3B', '~', ';', '%2F', '%5C..%5C',
  `${randomUUID()}%00`, `${randomUUID()}/..`, randomUUID().toUpperCase(), `{${randomUUID()}}`,
];

/** Raw query values (already encoded). */
export const HOSTILE_QUERY: readonly string[] = [
  '', '-1', '0', '1e9', '9'.repeat(400), 'abc', '%00', '%ZZ', '%E2%80%AE', 'true', '[]', '{}', 'a'.repeat(5000), '1.5', 'NaN', 'Infinity', '%F0%9F%98%80',
];

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

const PLACE = /address|host|url|ip|endpoint|server|target|remote/i;

/** A value the schema would plausibly accept (not guaranteed: patterns are not solved). */
export function plausible(schema: JsonSchema | undefined, name = ''): unknown {
  if (!schema) return 'fuzz';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0] ?? schema.allOf?.[0];
  if (branch) return plausible(branch, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = plausible(schema.properties?.[key], key);
      return out;
    }
    case 'array': return [];
    case 'boolean': return true;
    case 'integer':
    case 'number': return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'null': return null;
    default:
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'email') return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
      if (PLACE.test(name)) return '127.0.0.1';
      return 'fuzz-value'.padEnd(Math.max(10, schema.minLength ?? 0), 'x');
  }
}

/** Bodies for a route that takes `schema` (undefined: none expected, so anything is extra). */
export function hostileBodies(r: Prng, schema: JsonSchema | undefined, count: number): unknown[] {
  const base = plausible(schema);
  const props = Object.keys(schema?.properties ?? {});
  const bodies: unknown[] = [null, [], 'just a string', 42, {}, base, { ...(base as object), unexpected: r.pick(HOSTILE_VALUES) }];
  for (let i = 0; i < count; i++) {
    if (props.length === 0 || r.chance(0.15)) {
      bodies.push({ [r.pick(['__proto__', 'constructor', 'prototype', 'x'.repeat(300), '😀', ''])]: r.pick(HOSTILE_VALUES) });
      continue;
    }
    const body: Record<string, unknown> = typeof base === 'object' && base !== null ? { ...(base as Record<string, unknown>) } : {};
    for (const p of r.sample(props, r.chance(0.2) ? props.length : 1)) body[p] = r.pick(HOSTILE_VALUES);
    bodies.push(body);
  }
  return bodies;
}

/** Raw JSON texts no serializer would produce. */
export const HOSTILE_JSON_TEXTS: readonly string[] = [
  '{"a":', '[1,2', '{"a":1}}', "{'a':1}", '{"a":NaN}', '{"a":1e999999}', '\u0000', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
  '['.repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), `[${Array(20_000).fill(0).join(',')}]`,
  '{"a":"\\ud800"}', '{"a":"\\u0000"}', '"\\uDEAD"', 'true', 'null', '   ', '{"a":1,"a":2}',
];

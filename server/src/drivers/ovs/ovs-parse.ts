import { UnexpectedOutputError } from '../driver-errors.js';

// `ovs-vsctl --format=json list TABLE` prints {"headings":[...],"data":[[...],...]} and, when
// several commands are chained with `--`, one such document per line. Cells use OVSDB's JSON
// notation (RFC 7047 5.1): atoms are strings, numbers, booleans or ["uuid","..."]; a set is
// ["set",[atoms]] EXCEPT a set of exactly one element, which is printed as the bare atom; a map
// is ["map",[[key,value],...]]. Fixtures: __tests__/fixtures (captured from lab hosts).

export type OvsAtom = string | number | boolean | { uuid: string };
export type OvsValue = OvsAtom | { set: OvsAtom[] } | { map: Array<[OvsAtom, OvsAtom]> };
export type OvsRow = Record<string, OvsValue>;

const TOOL = 'ovs-vsctl --format=json';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseAtom(raw: unknown, text: string): OvsAtom {
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw) && raw.length === 2 && (raw[0] === 'uuid' || raw[0] === 'named-uuid') && typeof raw[1] === 'string') {
    return { uuid: raw[1] };
  }
  throw new UnexpectedOutputError(TOOL, `unknown atom ${JSON.stringify(raw)}`, text);
}

export function parseOvsValue(raw: unknown, text = JSON.stringify(raw)): OvsValue {
  if (Array.isArray(raw) && raw[0] === 'set' && Array.isArray(raw[1])) return { set: raw[1].map((a: unknown) => parseAtom(a, text)) };
  if (Array.isArray(raw) && raw[0] === 'map' && Array.isArray(raw[1])) {
    return {
      map: raw[1].map((pair: unknown): [OvsAtom, OvsAtom] => {
        if (!Array.isArray(pair) || pair.length !== 2) throw new UnexpectedOutputError(TOOL, 'a map entry is not a [key, value] pair', text);
        return [parseAtom(pair[0], text), parseAtom(pair[1], text)];
      }),
    };
  }
  return parseAtom(raw, text);
}

function parseDocument(doc: unknown, text: string): OvsRow[] {
  if (!isRecord(doc) || !Array.isArray(doc.headings) || !Array.isArray(doc.data)) {
    throw new UnexpectedOutputError(TOOL, 'expected {"headings":[...],"data":[...]}', text);
  }
  const headings = doc.headings.map((h: unknown) => {
    if (typeof h !== 'string') throw new UnexpectedOutputError(TOOL, 'a heading is not a string', text);
    return h;
  });
  return doc.data.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== headings.length) throw new UnexpectedOutputError(TOOL, 'a row does not match the headings', text);
    return Object.fromEntries(headings.map((h, i) => [h, parseOvsValue(row[i], text)]));
  });
}

/** One table per JSON document in the output (one per chained command). */
export function parseOvsTables(text: string): OvsRow[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        throw new UnexpectedOutputError(TOOL, 'a line is not JSON', text);
      }
      return parseDocument(doc, text);
    });
}

/** The rows of a single `list TABLE`. */
export function parseOvsTable(text: string): OvsRow[] {
  const tables = parseOvsTables(text);
  if (tables.length !== 1) throw new UnexpectedOutputError(TOOL, `expected one table, got ${tables.length}`, text);
  return tables[0] ?? [];
}

// ---- typed column readers --------------------------------------------------------------

function column(row: OvsRow, name: string): OvsValue {
  const value = row[name];
  if (value === undefined) throw new UnexpectedOutputError(TOOL, `no column "${name}"`, JSON.stringify(row));
  return value;
}

const isUuid = (a: OvsAtom): a is { uuid: string } => typeof a === 'object';

/** The elements of a set column, including the one-element form printed as a bare atom. */
export function setOf(value: OvsValue): OvsAtom[] {
  if (typeof value === 'object' && 'set' in value) return value.set;
  if (typeof value === 'object' && 'map' in value) throw new UnexpectedOutputError(TOOL, 'expected a set, got a map', JSON.stringify(value));
  return [value];
}

export function stringColumn(row: OvsRow, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string') throw new UnexpectedOutputError(TOOL, `column "${name}" is not a string`, JSON.stringify(row));
  return value;
}

/** An optional scalar (a set of 0 or 1): "tag" is ["set",[]] when unset and 42 when set. */
export function optionalIntColumn(row: OvsRow, name: string): number | null {
  const items = setOf(column(row, name));
  const first = items[0];
  if (items.length > 1 || (first !== undefined && typeof first !== 'number')) {
    throw new UnexpectedOutputError(TOOL, `column "${name}" is not an optional integer`, JSON.stringify(row));
  }
  return first ?? null;
}

export function intSetColumn(row: OvsRow, name: string): number[] {
  return setOf(column(row, name)).map((a) => {
    if (typeof a !== 'number') throw new UnexpectedOutputError(TOOL, `column "${name}" holds a non-integer`, JSON.stringify(row));
    return a;
  });
}

export function uuidColumn(row: OvsRow, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'object' || !('uuid' in value)) throw new UnexpectedOutputError(TOOL, `column "${name}" is not a uuid`, JSON.stringify(row));
  return value.uuid;
}

export function uuidSetColumn(row: OvsRow, name: string): string[] {
  return setOf(column(row, name)).map((a) => {
    if (!isUuid(a)) throw new UnexpectedOutputError(TOOL, `column "${name}" holds a non-uuid`, JSON.stringify(row));
    return a.uuid;
  });
}

export function stringMapColumn(row: OvsRow, name: string): Record<string, string> {
  const value = column(row, name);
  if (typeof value !== 'object' || !('map' in value)) throw new UnexpectedOutputError(TOOL, `column "${name}" is not a map`, JSON.stringify(row));
  return Object.fromEntries(value.map.map(([k, v]) => [String(isUuid(k) ? k.uuid : k), String(isUuid(v) ? v.uuid : v)]));
}

/** First line of `ovs-vsctl --version`: "ovs-vsctl (Open vSwitch) 3.1.0". */
export function parseOvsVersion(text: string): string {
  const m = /^ovs-vsctl \(Open vSwitch\) (\S+)/.exec(text.trim());
  if (!m) throw new UnexpectedOutputError('ovs-vsctl --version', 'expected "ovs-vsctl (Open vSwitch) X.Y.Z"', text);
  return m[1]!;
}

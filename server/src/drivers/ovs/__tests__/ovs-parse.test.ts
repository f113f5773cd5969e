import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnexpectedOutputError } from '../../driver-errors.js';
import {
  intSetColumn,
  parseOvsVersion,
  optionalIntColumn,
  parseOvsTable,
  parseOvsTables,
  parseOvsValue,
  setOf,
  stringColumn,
  stringMapColumn,
  uuidColumn,
  uuidSetColumn,
} from '../ovs-parse.js';

// Fixtures are real `ovs-vsctl --format=json` output captured over SSH from the lab hosts
// (Open vSwitch 3.1.0). list-port-tagged / list-bridge-columns come from a scratch bridge
// with an access port (tag 42) and a trunk (10,20) made for the capture and deleted after.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('OVSDB JSON values', () => {
  it('reads atoms, uuids, sets and maps', () => {
    expect(parseOvsValue('br-int')).toBe('br-int');
    expect(parseOvsValue(42)).toBe(42);
    expect(parseOvsValue(false)).toBe(false);
    expect(parseOvsValue(['uuid', 'c56b5439-d064-43c8-be60-809654ed3115'])).toEqual({ uuid: 'c56b5439-d064-43c8-be60-809654ed3115' });
    expect(parseOvsValue(['set', []])).toEqual({ set: [] });
    expect(parseOvsValue(['set', [10, 20]])).toEqual({ set: [10, 20] });
    expect(parseOvsValue(['map', []])).toEqual({ map: [] });
    expect(parseOvsValue(['map', [['owner', 'fixture']]])).toEqual({ map: [['owner', 'fixture']] });
  });

  it('treats a bare atom as a one-element set, as OVSDB prints it', () => {
    expect(setOf(parseOvsValue(['uuid', 'u1']))).toEqual([{ uuid: 'u1' }]);
    expect(setOf(parseOvsValue(['set', [['uuid', 'u1'], ['uuid', 'u2']]]))).toEqual([{ uuid: 'u1' }, { uuid: 'u2' }]);
  });

  it('refuses shapes it does not know', () => {
    expect(() => parseOvsValue(['weird', 1])).toThrow(UnexpectedOutputError);
    expect(() => parseOvsValue(null)).toThrow(UnexpectedOutputError);
    expect(() => parseOvsValue(['map', [['only-key']]])).toThrow(UnexpectedOutputError);
    expect(() => parseOvsTable('not json')).toThrow(UnexpectedOutputError);
    expect(() => parseOvsTable('{"headings":["a"],"data":[[1,2]]}')).toThrow(/a row does not match the headings/);
  });
});

describe('ovs-vsctl --format=json on captured output', () => {
  it('list Bridge (all columns)', () => {
    const [row] = parseOvsTable(fixture('list-bridge.json'));
    expect(row).toBeDefined();
    if (!row) return;
    expect(stringColumn(row, 'name')).toBe('br-int');
    expect(stringColumn(row, 'datapath_type')).toBe('netdev');
    expect(uuidSetColumn(row, 'ports')).toHaveLength(2);
    expect(stringMapColumn(row, 'external_ids')).toEqual({});
    expect(intSetColumn(row, 'flood_vlans')).toEqual([]);
  });

  it('list Bridge with two bridges: a one-port bridge prints its port set as a bare uuid', () => {
    const rows = parseOvsTable(fixture('list-bridge-columns.json'));
    expect(rows.map((r) => [stringColumn(r, 'name'), uuidSetColumn(r, 'ports').length, stringColumn(r, 'datapath_type')])).toEqual([
      ['br-int', 1, 'netdev'],
      ['br-fixture', 3, 'netdev'],
    ]);
  });

  it('list Port: untagged, access (tag 42) and trunk ports, with external_ids', () => {
    const rows = parseOvsTable(fixture('list-port-tagged.json'));
    const ports = rows.map((r) => ({
      uuid: uuidColumn(r, '_uuid'),
      name: stringColumn(r, 'name'),
      tag: optionalIntColumn(r, 'tag'),
      trunks: intSetColumn(r, 'trunks'),
      ids: stringMapColumn(r, 'external_ids'),
    }));
    expect(ports.find((p) => p.name === 'fx-tag42')).toMatchObject({ tag: 42, trunks: [] });
    expect(ports.find((p) => p.name === 'fx-trunk')).toMatchObject({ tag: null, trunks: [10, 20], ids: { owner: 'fixture' } });
    expect(ports.find((p) => p.name === 'br-int')).toMatchObject({ tag: null, trunks: [] });
  });

  it('list Bridge / list Port with every column, on a host with two bridges', () => {
    const bridges = parseOvsTable(fixture('list-bridge-two.json'));
    expect(bridges.map((r) => stringColumn(r, 'name')).sort()).toEqual(['br-fixture', 'br-int']);
    const ports = parseOvsTable(fixture('list-port.json'));
    expect(ports.map((r) => [stringColumn(r, 'name'), optionalIntColumn(r, 'tag'), uuidSetColumn(r, 'interfaces').length])).toEqual([
      ['vnet0', null, 1],
      ['br-int', null, 1],
    ]);
  });

  it('list Port --columns=name,tag', () => {
    const rows = parseOvsTable(fixture('list-port-name-tag.json'));
    expect(rows.map((r) => [stringColumn(r, 'name'), optionalIntColumn(r, 'tag')])).toEqual([
      ['vnet0', null],
      ['br-int', null],
    ]);
  });

  it('two chained commands print two documents, one per line', () => {
    const [bridges, ports] = parseOvsTables(fixture('bridge-ports-two-docs.json'));
    expect(bridges).toHaveLength(1);
    expect(ports?.map((p) => stringColumn(p, 'name'))).toEqual(['vnet0', 'br-int']);
    expect(() => parseOvsTable(fixture('bridge-ports-two-docs.json'))).toThrow(/expected one table, got 2/);
  });

  it('list Interface (maps with values, integers, uuids)', () => {
    const rows = parseOvsTable(fixture('list-interface.json'));
    const vnet0 = rows.find((r) => stringColumn(r, 'name') === 'vnet0');
    expect(vnet0).toBeDefined();
    if (!vnet0) return;
    expect(stringMapColumn(vnet0, 'external_ids')).toMatchObject({ 'attached-mac': '52:54:00:8b:8e:55', 'iface-status': 'active' });
    expect(stringMapColumn(vnet0, 'statistics')).toMatchObject({ rx_packets: '136', tx_packets: '84' });
    expect(optionalIntColumn(vnet0, 'ofport')).toBe(1);
  });
});

describe('ovs-vsctl --version', () => {
  it('reads the version from captured output', () => {
    expect(parseOvsVersion(fixture('version.txt'))).toBe('3.1.0');
    expect(() => parseOvsVersion('command not found')).toThrow(UnexpectedOutputError);
  });
});

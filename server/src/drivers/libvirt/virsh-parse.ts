import { UnexpectedOutputError } from '../driver-errors.js';

// Parsers for `virsh -q` output under LC_ALL=C. Each takes the raw stdout and returns typed
// values or throws UnexpectedOutputError naming the command, so a libvirt upgrade that changes
// a format fails loudly in one place. Fixtures: __tests__/fixtures (captured from lab hosts).

export interface NodeInfo {
  cpuModel: string;
  cpus: number;
  cpuMhz: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  numaCells: number;
  memoryKiB: number;
}

export interface HypervisorVersions {
  libvirt: string;
  /** The running hypervisor, e.g. "7.2.22" for QEMU. */
  qemu: string;
}

/** libvirt's domain states (virDomainState), named as in its enum. */
export const DOMAIN_STATES = {
  'no state': 'nostate',
  running: 'running',
  idle: 'blocked',
  blocked: 'blocked',
  paused: 'paused',
  'in shutdown': 'shutdown',
  'shut off': 'shutoff',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
} as const;

export type DomainState = (typeof DOMAIN_STATES)[keyof typeof DOMAIN_STATES];

/** virDomainState numbers as printed by `domstats` (state.state). */
const STATE_BY_NUMBER: readonly DomainState[] = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

export interface DomainStats {
  state: DomainState;
  /** Total CPU time in nanoseconds. */
  cpuTimeNs: number;
  vcpus: number;
  balloon: { currentKiB: number; maximumKiB: number; rssKiB?: number };
  net: Array<{ name: string; rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>;
  block: Array<{ name: string; path?: string; readBytes: number; writeBytes: number; readReqs: number; writeReqs: number; allocationBytes?: number; capacityBytes?: number }>;
  /** Every key=value pair, for fields not modelled above. */
  raw: Record<string, string>;
}

/**
 * Where a running domain's VNC server listens: a Unix socket libvirt made for this instance of
 * the domain (its path carries the domain id, new at every start), or, for domains defined
 * before the platform used sockets, a TCP port on the host's loopback.
 */
export type VncEndpoint = { socket: string } | { host: string; port: number };

const SOCKET_PATH = /^\/[A-Za-z0-9._\/-]{1,200}$/;

/** The live `virsh dumpxml` of a domain: its VNC endpoint, null when it has no VNC listening (not running). */
export function parseVncEndpoint(xml: string): VncEndpoint | null {
  const tag = /<graphics\b[^>]*\btype=['"]vnc['"][^>]*>/.exec(xml)?.[0];
  if (!tag) return null;
  const attr = (name: string) => new RegExp(`\\b${name}=['"]([^'"]*)['"]`).exec(tag)?.[1];
  const socket = attr('socket');
  if (socket !== undefined) {
    if (!SOCKET_PATH.test(socket) || socket.includes('..')) throw new UnexpectedOutputError('virsh dumpxml', 'a VNC socket path', socket);
    return { socket };
  }
  const port = Number(attr('port') ?? -1);
  if (!Number.isInteger(port) || port <= 0) return null;
  return { host: attr('listen') || '127.0.0.1', port };
}

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

function toInt(tool: string, key: string, value: string | undefined, text: string): number {
  const n = value === undefined ? NaN : Number(value);
  if (!Number.isSafeInteger(n)) throw new UnexpectedOutputError(tool, `"${key}" is not a whole number`, text);
  return n;
}

/** "Key:   value" lines (nodeinfo, version) into a map. */
function colonPairs(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines(text)) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return map;
}

export function parseNodeInfo(text: string): NodeInfo {
  const tool = 'virsh nodeinfo';
  const m = colonPairs(text);
  const num = (key: string, unit?: string) => {
    const raw = m.get(key);
    const value = unit && raw?.endsWith(` ${unit}`) ? raw.slice(0, -unit.length - 1) : raw;
    return toInt(tool, key, value, text);
  };
  const cpuModel = m.get('CPU model');
  if (!cpuModel) throw new UnexpectedOutputError(tool, 'no "CPU model" line', text);
  return {
    cpuModel,
    cpus: num('CPU(s)'),
    cpuMhz: num('CPU frequency', 'MHz'),
    sockets: num('CPU socket(s)'),
    coresPerSocket: num('Core(s) per socket'),
    threadsPerCore: num('Thread(s) per core'),
    numaCells: num('NUMA cell(s)'),
    memoryKiB: num('Memory size', 'KiB'),
  };
}

export function parseVersion(text: string): HypervisorVersions {
  const tool = 'virsh version';
  const m = colonPairs(text);
  const libvirt = /^libvirt (\S+)$/.exec(m.get('Using library') ?? '')?.[1];
  const qemu = /^QEMU (\S+)$/.exec(m.get('Running hypervisor') ?? '')?.[1];
  if (!libvirt) throw new UnexpectedOutputError(tool, 'no "Using library: libvirt X" line', text);
  if (!qemu) throw new UnexpectedOutputError(tool, 'no "Running hypervisor: QEMU X" line', text);
  return { libvirt, qemu };
}

/** `list --all --name`: one domain name a line. */
export function parseDomainList(text: string): string[] {
  return lines(text);
}

export function parseDomainState(text: string): DomainState {
  // `domstate --reason` prints "running (booted)"; the reason is not modelled.
  const word = (lines(text)[0] ?? '').replace(/\s*\(.*\)$/, '');
  const state = (DOMAIN_STATES as Record<string, DomainState | undefined>)[word];
  if (!state) throw new UnexpectedOutputError('virsh domstate', `unknown state "${word}"`, text);
  return state;
}

export function parseDomainStats(text: string): DomainStats {
  const tool = 'virsh domstats';
  const raw: Record<string, string> = {};
  for (const line of lines(text)) {
    if (line.startsWith('Domain:')) continue;
    const i = line.indexOf('=');
    if (i > 0) raw[line.slice(0, i)] = line.slice(i + 1);
  }
  const int = (key: string) => toInt(tool, key, raw[key], text);
  const optInt = (key: string) => (raw[key] === undefined ? undefined : int(key));
  const count = (key: string) => optInt(key) ?? 0;
  const state = STATE_BY_NUMBER[int('state.state')];
  if (!state) throw new UnexpectedOutputError(tool, `unknown state number ${raw['state.state']}`, text);

  const net = Array.from({ length: count('net.count') }, (_, i) => ({
    name: raw[`net.${i}.name`] ?? `net${i}`,
    rxBytes: int(`net.${i}.rx.bytes`),
    txBytes: int(`net.${i}.tx.bytes`),
    rxPackets: int(`net.${i}.rx.pkts`),
    txPackets: int(`net.${i}.tx.pkts`),
  }));
  const block = Array.from({ length: count('block.count') }, (_, i) => {
    const path = raw[`block.${i}.path`];
    const allocationBytes = optInt(`block.${i}.allocation`);
    const capacityBytes = optInt(`block.${i}.capacity`);
    return {
      name: raw[`block.${i}.name`] ?? `block${i}`,
      ...(path !== undefined ? { path } : {}),
      readBytes: count(`block.${i}.rd.bytes`),
      writeBytes: count(`block.${i}.wr.bytes`),
      readReqs: count(`block.${i}.rd.reqs`),
      writeReqs: count(`block.${i}.wr.reqs`),
      ...(allocationBytes !== undefined ? { allocationBytes } : {}),
      ...(capacityBytes !== undefined ? { capacityBytes } : {}),
    };
  });
  const rssKiB = optInt('balloon.rss');
  return {
    state,
    // A shut-off domain omits the interface, I/O and rss counters.
    cpuTimeNs: count('cpu.time'),
    vcpus: optInt('vcpu.current') ?? 0,
    balloon: { currentKiB: count('balloon.current'), maximumKiB: count('balloon.maximum'), ...(rssKiB !== undefined ? { rssKiB } : {}) },
    net,
    block,
    raw,
  };
}

/** stderr of a command on a domain that does not exist. */
export const isDomainMissing = (stderr: string) => /failed to get domain|Domain not found|no domain with matching (name|uuid)/i.test(stderr);

/** stderr of a stop request for a domain that is already stopped. */
export const isDomainNotRunning = (stderr: string) => /domain is not running|Domain not running/i.test(stderr);

/** stderr of a start request for a domain that already runs. */
export const isDomainAlreadyActive = (stderr: string) => /domain is already active|Domain is already running/i.test(stderr);

const STATE_WORDS = Object.keys(DOMAIN_STATES).sort((a, b) => b.length - a.length).join('|');
// `list --all` rows: " 10   name   running" / " -    name   shut off" (the state may hold a space).
const LIST_ROW = new RegExp(`^(\\d+|-)\\s+(.+?)\\s+(${STATE_WORDS})$`);

export interface DomainListEntry {
  name: string;
  state: DomainState;
  /** The running instance's id; null when the domain is not running. */
  id: number | null;
}

/** `list --all` (with -q: no header): every defined or running domain and its state, in one call. */
export function parseDomainTable(text: string): DomainListEntry[] {
  return lines(text).map((line) => {
    const m = LIST_ROW.exec(line);
    if (!m) throw new UnexpectedOutputError('virsh list --all', `unexpected row "${line}"`, text);
    const [, id = '-', name = '', word = ''] = m;
    const state = (DOMAIN_STATES as Record<string, DomainState | undefined>)[word];
    if (!state) throw new UnexpectedOutputError('virsh list --all', `unknown state "${word}"`, text);
    return { name, state, id: id === '-' ? null : Number(id) };
  });
}

export interface DomainInfo {
  /** The running instance's id; null when the domain is not running. */
  id: number | null;
  name: string;
  uuid: string;
  state: DomainState;
  /** Current vCPUs (of the running instance, or of the config when shut off). */
  vcpus: number;
  maxMemoryKiB: number;
  usedMemoryKiB: number;
  persistent: boolean;
  autostart: boolean;
}

export function parseDomainInfo(text: string): DomainInfo {
  const tool = 'virsh dominfo';
  const m = colonPairs(text);
  const kib = (key: string) => {
    const value = /^(\d+) KiB$/.exec(m.get(key) ?? '')?.[1];
    return toInt(tool, key, value, text);
  };
  const name = m.get('Name');
  const uuid = m.get('UUID');
  const stateWord = m.get('State') ?? '';
  const state = (DOMAIN_STATES as Record<string, DomainState | undefined>)[stateWord];
  if (!name || !uuid) throw new UnexpectedOutputError(tool, 'no "Name" or "UUID" line', text);
  if (!state) throw new UnexpectedOutputError(tool, `unknown state "${stateWord}"`, text);
  const id = m.get('Id');
  return {
    id: id === undefined || id === '-' ? null : toInt(tool, 'Id', id, text),
    name,
    uuid,
    state,
    vcpus: toInt(tool, 'CPU(s)', m.get('CPU(s)'), text),
    maxMemoryKiB: kib('Max memory'),
    usedMemoryKiB: kib('Used memory'),
    persistent: m.get('Persistent') === 'yes',
    autostart: m.get('Autostart') === 'enable',
  };
}

/** Snapshot states as `snapshot-list` prints them (virDomainSnapshotState). */
const SNAPSHOT_STATES = {
  nostate: 'nostate',
  running: 'running',
  blocked: 'blocked',
  paused: 'paused',
  shutdown: 'shutdown',
  shutoff: 'shutoff',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
  'disk-snapshot': 'disk-snapshot',
} as const;

export type SnapshotState = (typeof SNAPSHOT_STATES)[keyof typeof SNAPSHOT_STATES];

export interface SnapshotInfo {
  name: string;
  createdAt: Date;
  /** The domain's state when the snapshot was taken; reverting returns the domain to it. */
  state: SnapshotState;
}

const SNAPSHOT_ROW = /^(.+?)\s+(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})\s+(\S+)$/;

/** `snapshot-list DOMAIN` (with -q: no header), oldest first. */
export function parseSnapshotList(text: string): SnapshotInfo[] {
  const tool = 'virsh snapshot-list';
  const rows = lines(text).map((line) => {
    const m = SNAPSHOT_ROW.exec(line);
    if (!m) throw new UnexpectedOutputError(tool, `unexpected row "${line}"`, text);
    const [, name = '', date = '', time = '', sign = '', hh = '', mm = '', word = ''] = m;
    const state = (SNAPSHOT_STATES as Record<string, SnapshotState | undefined>)[word];
    if (!state) throw new UnexpectedOutputError(tool, `unknown snapshot state "${word}"`, text);
    const createdAt = new Date(`${date}T${time}${sign}${hh}:${mm}`);
    if (Number.isNaN(createdAt.getTime())) throw new UnexpectedOutputError(tool, `bad creation time "${date} ${time}"`, text);
    return { name, createdAt, state };
  });
  // virsh sorts by name; creation time (one-second resolution) then name is the useful order.
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeXmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, ref: string) =>
    ref.startsWith('#x') ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1))) : (ENTITIES[ref] ?? ''),
  );
}

/** `metadata DOMAIN URI`: the platform's element, e.g. `<vm id="..."/>`; returns its id attribute. */
export function parseVmMetadata(text: string): string {
  const m = /^<vm\b[^>]*?\bid=(?:"([^"]*)"|'([^']*)')/.exec(text.trim());
  if (!m) throw new UnexpectedOutputError('virsh metadata', 'expected <vm id="..."/>', text);
  return decodeXmlEntities(m[1] ?? m[2] ?? '');
}

/** stderr of a command naming a snapshot the domain does not have. */
export const isSnapshotMissing = (stderr: string) => /Domain snapshot not found|no domain snapshot with matching name/i.test(stderr);

/** stderr of snapshot-create-as when the name is taken. */
export const isSnapshotExisting = (stderr: string) => /domain (moment|snapshot) \S+ already exists/i.test(stderr);

/** stderr of `metadata` when the domain has no element in that namespace. */
export const isMetadataMissing = (stderr: string) => /metadata not found|Requested metadata element is not present/i.test(stderr);

/**
 * `virsh domifaddr DOM --source agent`: a table of name, MAC, protocol, address/prefix; an
 * interface with several addresses continues on lines whose name and MAC are "-". Returns the
 * IPv4 addresses (without prefix) by MAC, loopback left out.
 */
export function parseDomIfAddr(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let mac = '';
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[0] === 'Name' || cols[0]!.startsWith('---')) continue;
    if (cols[1] !== '-') mac = cols[1]!.toLowerCase();
    if (cols[2] !== 'ipv4' || mac === '00:00:00:00:00:00' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) continue;
    (out[mac] ??= []).push(cols[3]!.split('/')[0]!);
  }
  return out;
}

export interface DomainInterface { type: string; source: string; model: string; mac: string }

/**
 * `virsh domiflist DOM [--inactive]`: one row per NIC (interface, type, source, model, MAC); the
 * interface is "-" while the domain is off. With or without virsh's header lines.
 */
export function parseDomIfList(text: string): DomainInterface[] {
  const out: DomainInterface[] = [];
  for (const line of lines(text)) {
    const cols = line.split(/\s+/);
    const mac = cols[4]?.toLowerCase();
    if (cols.length !== 5 || !mac || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) continue;
    out.push({ type: cols[1]!, source: cols[2]!, model: cols[3]!, mac });
  }
  return out;
}

import { UnexpectedOutputError } from '../driver-errors.js';

// Parsers for libvirt's storage and block commands: `virsh pool-info --bytes POOL`,
// `virsh vol-list POOL`, `virsh domblklist --details DOM` (all with -q) and
// `qemu-img snapshot -l IMAGE`.

export interface PoolInfo {
  state: string;
  autostart: boolean;
  capacityBytes: number;
  allocationBytes: number;
  availableBytes: number;
}

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

/** `pool-info --bytes`: "Key:   value" lines. */
export function parsePoolInfo(text: string): PoolInfo {
  const kv = new Map<string, string>();
  for (const line of lines(text)) {
    const i = line.indexOf(':');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const v = kv.get(k);
    if (v === undefined || !/^\d+$/.test(v)) throw new UnexpectedOutputError('virsh pool-info --bytes', `"${k}" is not a byte count`, text);
    return Number(v);
  };
  const state = kv.get('State');
  if (!state) throw new UnexpectedOutputError('virsh pool-info --bytes', 'no "State" line', text);
  if (state !== 'running') return { state, autostart: kv.get('Autostart') === 'yes', capacityBytes: 0, allocationBytes: 0, availableBytes: 0 };
  return { state, autostart: kv.get('Autostart') === 'yes', capacityBytes: num('Capacity'), allocationBytes: num('Allocation'), availableBytes: num('Available') };
}

/** `vol-list POOL`: "name   path" rows; the volume names. */
export function parseVolumeList(text: string): string[] {
  return lines(text).map((line) => {
    const m = /^(\S+)\s+(\/\S*)$/.exec(line);
    if (!m) throw new UnexpectedOutputError('virsh vol-list', `unexpected row "${line}"`, text);
    return m[1]!;
  });
}

export interface BlockDevice {
  type: string;
  device: string;
  target: string;
  /** "-" (no medium) becomes null. */
  source: string | null;
}

/** `domblklist --details DOM`: "type device target source" rows. */
export function parseDomBlkList(text: string): BlockDevice[] {
  return lines(text).map((line) => {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new UnexpectedOutputError('virsh domblklist --details', `unexpected row "${line}"`, text);
    const source = m[4]!.trim();
    return { type: m[1]!, device: m[2]!, target: m[3]!, source: source === '-' ? null : source };
  });
}

/** The first virtio disk name (vdb, vdc, ... vdz) no device uses yet; null when all are taken. */
export function nextVirtioTarget(devices: readonly BlockDevice[]): string | null {
  const used = new Set(devices.map((d) => d.target));
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const name = `vd${String.fromCharCode(c)}`;
    if (!used.has(name)) return name;
  }
  return null;
}

/** `qemu-img snapshot -l IMAGE`: the snapshot tags (empty output: none). */
export function parseQemuImgSnapshots(text: string): string[] {
  const rows = lines(text);
  if (!rows.length) return [];
  if (rows[0] !== 'Snapshot list:' || !/^ID\s+TAG\s/.test(rows[1] ?? '')) {
    throw new UnexpectedOutputError('qemu-img snapshot -l', 'expected "Snapshot list:" and a header', text);
  }
  return rows.slice(2).map((line) => {
    const m = /^\d+\s+(\S+)\s/.exec(line);
    if (!m) throw new UnexpectedOutputError('qemu-img snapshot -l', `unexpected row "${line}"`, text);
    return m[1]!;
  });
}

export const isPoolMissing = (stderr: string) => /failed to get pool|Storage pool not found/i.test(stderr);
export const isVolumeMissing = (stderr: string) => /failed to get vol|Storage volume not found/i.test(stderr);
export const isQemuSnapshotMissing = (stderr: string) => /snapshot not found|Failed to load snapshot/i.test(stderr);

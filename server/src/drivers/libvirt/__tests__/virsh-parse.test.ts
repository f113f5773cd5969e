import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnexpectedOutputError } from '../../driver-errors.js';
import { isImageLocked, parseDfSizeAvail, parseFindFiles, parseIsoPrimaryDescriptor, parseQemuImgInfo } from '../disk-parse.js';
import {
  isDomainAlreadyActive,
  isDomainMissing,
  isDomainNotRunning,
  isMetadataMissing,
  isSnapshotExisting,
  isSnapshotMissing,
  parseDomainInfo,
  parseDomIfList,
  parseDomainList,
  parseDomainTable,
  parseSnapshotList,
  parseVmMetadata,
  parseDomainState,
  parseDomainStats,
  parseNodeInfo,
  parseVersion,
} from '../virsh-parse.js';

// Fixtures are real output captured over SSH from the lab hosts (virsh -q, LC_ALL=C).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('virsh parsers on captured output', () => {
  it('nodeinfo', () => {
    expect(parseNodeInfo(fixture('nodeinfo.txt'))).toEqual({
      cpuModel: 'x86_64',
      cpus: 2,
      cpuMhz: 2096,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      numaCells: 1,
      memoryKiB: 7300896,
    });
  });

  it('version', () => {
    expect(parseVersion(fixture('version.txt'))).toEqual({ libvirt: '9.0.0', qemu: '7.2.22' });
  });

  it('list --all --name', () => {
    expect(parseDomainList(fixture('list-all-name.txt'))).toEqual(['t1']);
    expect(parseDomainList(fixture('list-all-name-one-off.txt'))).toEqual(['cc-fixture-off']);
    expect(parseDomainList('')).toEqual([]);
  });

  it('domstate, running and shut off, with and without --reason', () => {
    expect(parseDomainState(fixture('domstate-running.txt'))).toBe('running');
    expect(parseDomainState(fixture('domstate-shutoff.txt'))).toBe('shutoff');
    expect(parseDomainState(fixture('domstate-shutoff-reason.txt'))).toBe('shutoff');
    expect(parseDomainState(fixture('domstate-running-reason.txt'))).toBe('running');
    expect(parseDomainState('in shutdown\n')).toBe('shutdown');
    expect(parseDomainState('idle\n')).toBe('blocked');
  });

  it('domstats of a running domain', () => {
    const stats = parseDomainStats(fixture('domstats-running.txt'));
    expect(stats).toMatchObject({
      state: 'running',
      cpuTimeNs: 13243539000,
      vcpus: 1,
      balloon: { currentKiB: 131072, maximumKiB: 131072, rssKiB: 229448 },
      net: [{ name: 'vnet0', rxBytes: 5632, txBytes: 9184, rxPackets: 78, txPackets: 126 }],
      block: [{ name: 'vda', path: '/var/lib/libvirt/images/t1.qcow2', readBytes: 4608, writeBytes: 0, readReqs: 2, writeReqs: 0, allocationBytes: 0, capacityBytes: 24219648 }],
    });
    expect(stats.raw['dirtyrate.calc_mode']).toBe('page-sampling');
  });

  it('domstats of a shut-off domain (no interface, I/O or rss counters)', () => {
    const stats = parseDomainStats(fixture('domstats-shutoff.txt'));
    expect(stats).toMatchObject({
      state: 'shutoff',
      vcpus: 1,
      balloon: { currentKiB: 65536, maximumKiB: 65536 },
      net: [],
      block: [{ name: 'vda', readBytes: 0, writeBytes: 0, allocationBytes: 200704, capacityBytes: 24219648 }],
    });
    expect(stats.balloon.rssKiB).toBeUndefined();
  });

  it('recognises the benign failures by their stderr', () => {
    expect(isDomainMissing(fixture('domstate-missing.stderr.txt'))).toBe(true);
    expect(isDomainNotRunning(fixture('destroy-not-running.stderr.txt'))).toBe(true);
    expect(isDomainNotRunning(fixture('shutdown-not-running.stderr.txt'))).toBe(true);
    expect(isDomainMissing(fixture('undefine-missing.stderr.txt'))).toBe(true);
    expect(isDomainMissing(fixture('start-missing.stderr.txt'))).toBe(true);
    expect(isDomainAlreadyActive(fixture('start-already-active.stderr.txt'))).toBe(true);
    expect(isDomainMissing(fixture('destroy-not-running.stderr.txt'))).toBe(false);
  });

  it('throws UnexpectedOutputError naming the tool on a format it does not know', () => {
    expect(() => parseNodeInfo('garbage')).toThrow(UnexpectedOutputError);
    expect(() => parseNodeInfo(fixture('nodeinfo.txt').replace('2096 MHz', 'fast'))).toThrow(/virsh nodeinfo: "CPU frequency" is not a whole number/);
    expect(() => parseVersion('Using library: libvirt 9.0.0\n')).toThrow(/Running hypervisor/);
    expect(() => parseDomainState('exploded\n')).toThrow(/unknown state "exploded"/);
    expect(() => parseDomainStats("Domain: 'x'\n")).toThrow(UnexpectedOutputError);
  });
});

describe('virsh parsers for the VM lifecycle, on captured output', () => {
  it('list --all: name, state and id of running, paused and shut-off domains', () => {
    expect(parseDomainTable(fixture('list-all-table.txt'))).toEqual([
      { name: 'cc-fixture-run', state: 'running', id: 10 },
      { name: 'cc-fixture-off', state: 'shutoff', id: null },
    ]);
    expect(parseDomainTable(fixture('list-all-paused.txt'))).toEqual([
      { name: 'cc-fixture-run', state: 'paused', id: 11 },
      { name: 'cc-fixture-off', state: 'shutoff', id: null },
    ]);
    expect(parseDomainTable(' 3    web 1   in shutdown\n')).toEqual([{ name: 'web 1', state: 'shutdown', id: 3 }]);
    expect(parseDomainTable('')).toEqual([]);
    expect(() => parseDomainTable(' 1   x   exploded\n')).toThrow(UnexpectedOutputError);
  });

  it('dominfo of a running and a shut-off domain', () => {
    expect(parseDomainInfo(fixture('dominfo-running.txt'))).toEqual({
      id: 10,
      name: 'cc-fixture-run',
      uuid: '498f7fb1-f33b-4aaf-9ba9-52f3be919c0f',
      state: 'running',
      vcpus: 1,
      maxMemoryKiB: 131072,
      usedMemoryKiB: 131072,
      persistent: true,
      autostart: false,
    });
    expect(parseDomainInfo(fixture('dominfo-shutoff.txt'))).toMatchObject({ id: null, state: 'shutoff', vcpus: 1, maxMemoryKiB: 131072 });
    expect(() => parseDomainInfo(fixture('dominfo-shutoff.txt').replace('131072 KiB', 'lots'))).toThrow(/Max memory/);
  });

  it('snapshot-list of a running domain (memory snapshots), a shut-off one, and none', () => {
    expect(parseSnapshotList(fixture('snapshot-list-running.txt'))).toEqual([
      { name: 'snap-run', createdAt: new Date('2026-11-25T18:02:26Z'), state: 'running' },
      { name: 'snap-run-2', createdAt: new Date('2026-11-25T18:02:28Z'), state: 'running' },
    ]);
    // virsh sorts by name; the parser by creation time. A name made elsewhere may hold spaces.
    expect(parseSnapshotList(fixture('snapshot-list-shutoff.txt'))).toEqual([
      { name: 'snap-off', createdAt: new Date('2026-11-25T18:02:25Z'), state: 'shutoff' },
      { name: 'snap with space', createdAt: new Date('2026-11-25T18:02:28Z'), state: 'shutoff' },
    ]);
    expect(parseSnapshotList(fixture('snapshot-list-empty.txt'))).toEqual([]);
    expect(parseSnapshotList(' s   2026-01-02 03:04:05 +0130   disk-snapshot\n')).toEqual([{ name: 's', createdAt: new Date('2026-01-02T01:34:05Z'), state: 'disk-snapshot' }]);
    expect(() => parseSnapshotList(' s   yesterday   running\n')).toThrow(UnexpectedOutputError);
  });

  it('metadata: the platform VM id, entities decoded', () => {
    expect(parseVmMetadata(fixture('metadata-vm.txt'))).toBe("vm'<1");
    expect(parseVmMetadata(`<vm id='a&amp;b&#x41;&#66;'/>`)).toBe('a&bAB');
    expect(() => parseVmMetadata('<other/>')).toThrow(UnexpectedOutputError);
  });

  it('recognises the benign and the telling failures by their stderr', () => {
    expect(isSnapshotExisting(fixture('snapshot-create-exists.stderr.txt'))).toBe(true);
    expect(isSnapshotMissing(fixture('snapshot-revert-missing.stderr.txt'))).toBe(true);
    expect(isSnapshotMissing(fixture('snapshot-delete-missing.stderr.txt'))).toBe(true);
    expect(isSnapshotMissing(fixture('snapshot-list-domain-missing.stderr.txt'))).toBe(false);
    expect(isDomainMissing(fixture('snapshot-list-domain-missing.stderr.txt'))).toBe(true);
    expect(isDomainMissing(fixture('snapshot-revert-missing.stderr.txt'))).toBe(false);
    expect(isDomainNotRunning(fixture('reboot-not-running.stderr.txt'))).toBe(true);
    expect(isMetadataMissing(fixture('metadata-missing.stderr.txt'))).toBe(true);
    expect(fixture('undefine-with-snapshots.stderr.txt')).toMatch(/cannot delete inactive domain with 2 snapshots/);
  });
});

describe('disk tool parsers on captured output', () => {
  it('od of an ISO primary volume descriptor: volume and application id; not an ISO: null', () => {
    expect(parseIsoPrimaryDescriptor(fixture('od-seed-iso-pvd.txt'))).toEqual({ volumeId: 'cidata', applicationId: 'cc-seed-0123456789abcdef0123456789abcdef' });
    expect(parseIsoPrimaryDescriptor(fixture('od-qcow2-pvd.txt'))).toBeNull();
    expect(parseIsoPrimaryDescriptor('')).toBeNull();
    expect(() => parseIsoPrimaryDescriptor('od: error')).toThrow(UnexpectedOutputError);
  });

  it('qemu-img on an image a running domain holds', () => {
    expect(isImageLocked(fixture('qemu-img-resize-locked.stderr.txt'))).toBe(true);
    expect(isImageLocked(fixture('qemu-img-resize-shrink.stderr.txt'))).toBe(false);
  });

  it("find -printf '%p\\t%s\\n' of a base-image folder", () => {
    expect(parseFindFiles(fixture('find-base-images.txt'))).toEqual([
      { path: '/var/lib/libvirt/images/base/tiny-initrd.img', sizeBytes: 4320065 },
      { path: '/var/lib/libvirt/images/base/tiny-vmlinuz', sizeBytes: 14190528 },
      { path: '/var/lib/libvirt/images/base/tiny.qcow2', sizeBytes: 19136512 },
    ]);
    expect(parseFindFiles('')).toEqual([]);
    expect(() => parseFindFiles('find: permission denied\n')).toThrow(UnexpectedOutputError);
  });

  it('df --output=avail', () => {
    expect(parseDfSizeAvail(fixture('df-size-avail.txt'))).toEqual({ totalBytes: 270553174016, freeBytes: 83126112256 });
    expect(() => parseDfSizeAvail('Used\n1\n')).toThrow(UnexpectedOutputError);
  });

  it('qemu-img info of a linked clone', () => {
    expect(parseQemuImgInfo(fixture('qemu-img-info-clone.json'))).toEqual({
      format: 'qcow2',
      virtualSizeBytes: 24219648,
      actualSizeBytes: 200704,
      backingFile: '/var/lib/libvirt/images/base/tiny.qcow2',
    });
    expect(() => parseQemuImgInfo('not json')).toThrow(UnexpectedOutputError);
  });

  it('domiflist --inactive, quiet and with its header (NICs of a shut-off domain, as attach-device --config left them)', () => {
    const nic = (mac: string) => ({ type: 'bridge', source: 'br-ovn', model: 'virtio', mac });
    expect(parseDomIfList(fixture('domiflist-inactive.txt'))).toEqual([nic('52:54:00:aa:bb:01'), nic('52:54:00:aa:bb:02')]);
    expect(parseDomIfList(fixture('domiflist-header.txt'))).toEqual([nic('52:54:00:aa:bb:01'), nic('52:54:00:aa:bb:02'), nic('52:54:00:aa:bb:02')]);
    expect(parseDomIfList('')).toEqual([]);
  });
});

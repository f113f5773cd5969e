import { describe, expect, it } from 'vitest';
import { nextVirtioTarget, parseDomBlkList, parsePoolInfo, parseQemuImgSnapshots, parseVolumeList } from '../storage-parse.js';

// Output captured from lab1 (libvirt 9.0, QEMU 7.2, LC_ALL=C, virsh -q).
describe('storage parsers', () => {
  it('reads pool-info --bytes', () => {
    const text = `Name:           voltest-x
UUID:           3e8b31e4-7729-4c86-9a86-bfa0a42f85b1
State:          running
Persistent:     yes
Autostart:      no
Capacity:       270553174016
Allocation:     27195043840
Available:      243358130176
`;
    expect(parsePoolInfo(text)).toEqual({ state: 'running', autostart: false, capacityBytes: 270553174016, allocationBytes: 27195043840, availableBytes: 243358130176 });
    expect(parsePoolInfo('Name: x\nState:          inactive\nAutostart:      yes\n')).toMatchObject({ state: 'inactive', autostart: true, capacityBytes: 0 });
    expect(() => parsePoolInfo('Name: x\nState: running\nCapacity: 2 GiB\n')).toThrow(/Capacity/);
  });

  it('reads vol-list and domblklist --details, and picks the next free virtio disk', () => {
    expect(parseVolumeList(' vol-a.qcow2   /var/lib/libvirt/volumes-voltest/vol-a.qcow2\n')).toEqual(['vol-a.qcow2']);
    expect(parseVolumeList('')).toEqual([]);
    const devices = parseDomBlkList(` file   disk    vda   /var/lib/libvirt/images/cc-31b2.qcow2
 file   cdrom   hdc   /var/lib/libvirt/images/cc-31b2-seed.iso
 file   cdrom   hdd   -
`);
    expect(devices).toEqual([
      { type: 'file', device: 'disk', target: 'vda', source: '/var/lib/libvirt/images/cc-31b2.qcow2' },
      { type: 'file', device: 'cdrom', target: 'hdc', source: '/var/lib/libvirt/images/cc-31b2-seed.iso' },
      { type: 'file', device: 'cdrom', target: 'hdd', source: null },
    ]);
    expect(nextVirtioTarget(devices)).toBe('vdb');
    expect(nextVirtioTarget([...devices, { type: 'file', device: 'disk', target: 'vdb', source: '/x' }])).toBe('vdc');
  });

  it('reads qemu-img snapshot -l', () => {
    expect(parseQemuImgSnapshots(`Snapshot list:
ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
1         s1                    0 B 2026-11-30 13:36:38 00:00:00.000          0
2         before-upgrade        0 B 2026-11-30 13:40:01 00:00:00.000          0
`)).toEqual(['s1', 'before-upgrade']);
    expect(parseQemuImgSnapshots('')).toEqual([]);
    expect(() => parseQemuImgSnapshots('garbage')).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { placeVm, type HostLoad } from '../vm-placement.js';

const host = (name: string, over: Partial<HostLoad> = {}): HostLoad => ({
  id: name, name, maintenance: false, cpus: 4, memoryMiB: 8192, diskTotalGiB: 100, usedVcpus: 0, usedMemoryMiB: 0, usedDiskGiB: 0, ...over,
});
const policy = { cpuOvercommit: 2, memoryOvercommit: 1, strategy: 'spread' as const };
const size = { vcpus: 2, memoryMiB: 2048, diskGiB: 10 };

describe('placeVm', () => {
  it('spreads onto the emptiest host, packs onto the fullest', () => {
    const hosts = [host('a', { usedVcpus: 4, usedMemoryMiB: 4096 }), host('b')];
    expect(placeVm(hosts, size, policy, 'z')).toMatchObject({ host: { name: 'b' } });
    expect(placeVm(hosts, size, { ...policy, strategy: 'pack' }, 'z')).toMatchObject({ host: { name: 'a' } });
  });

  it('honours overcommit ratios', () => {
    const h = [host('a', { usedVcpus: 6 })];
    expect(placeVm(h, size, policy, 'z')).toMatchObject({ host: { name: 'a' } });
    expect('reason' in placeVm(h, size, { ...policy, cpuOvercommit: 1.5 }, 'z')).toBe(true);
  });

  it('says which resource is short on how many hosts, never just "no valid host"', () => {
    const hosts = [host('a', { usedMemoryMiB: 7000 }), host('b', { usedMemoryMiB: 8000, usedDiskGiB: 95 }), host('c', { maintenance: true })];
    const r = placeVm(hosts, size, policy, 'lab');
    expect(r).toEqual({ reason: 'No host in zone "lab" can take 2 vCPU, 2048 MiB, 10 GiB now: 2 hosts short of memory, 1 host short of disk, 1 host in maintenance.' });
    expect(placeVm([], size, policy, 'lab')).toEqual({ reason: 'There is no ready host in zone "lab".' });
  });
});

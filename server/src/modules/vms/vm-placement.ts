// Placement: which ready host takes a new VM. Pure, so the rules are unit-tested; the VM
// service feeds it hosts locked FOR UPDATE, so two creates cannot both take the last room.

export interface HostLoad {
  id: string;
  name: string;
  maintenance: boolean;
  cpus: number;
  memoryMiB: number;
  diskTotalGiB: number;
  usedVcpus: number;
  usedMemoryMiB: number;
  usedDiskGiB: number;
}

export interface VmSize { vcpus: number; memoryMiB: number; diskGiB: number }

export interface PlacementPolicy {
  cpuOvercommit: number;
  memoryOvercommit: number;
  strategy: 'spread' | 'pack';
}

export type Placement = { host: HostLoad } | { reason: string };

const hostsWord = (n: number) => `${n} host${n === 1 ? '' : 's'}`;

export function placeVm(hosts: HostLoad[], size: VmSize, policy: PlacementPolicy, zone: string): Placement {
  if (hosts.length === 0) return { reason: `There is no ready host in zone "${zone}".` };
  const short = { maintenance: 0, vcpus: 0, memory: 0, disk: 0 };
  const fits: { host: HostLoad; free: number }[] = [];
  for (const h of hosts) {
    if (h.maintenance) { short.maintenance++; continue; }
    const cpuRoom = h.cpus * policy.cpuOvercommit - h.usedVcpus;
    const memRoom = h.memoryMiB * policy.memoryOvercommit - h.usedMemoryMiB;
    const diskRoom = h.diskTotalGiB - h.usedDiskGiB;
    let ok = true;
    if (cpuRoom < size.vcpus) { short.vcpus++; ok = false; }
    if (memRoom < size.memoryMiB) { short.memory++; ok = false; }
    if (diskRoom < size.diskGiB) { short.disk++; ok = false; }
    // Rank by the scarcest resource left after placing, as a share of the host.
    if (ok) fits.push({ host: h, free: Math.min((cpuRoom - size.vcpus) / (h.cpus * policy.cpuOvercommit), (memRoom - size.memoryMiB) / (h.memoryMiB * policy.memoryOvercommit)) });
  }
  if (fits.length) {
    fits.sort((a, b) => (policy.strategy === 'spread' ? b.free - a.free : a.free - b.free) || a.host.name.localeCompare(b.host.name));
    return { host: fits[0]!.host };
  }
  const parts = [
    short.vcpus && `${hostsWord(short.vcpus)} short of vCPUs`,
    short.memory && `${hostsWord(short.memory)} short of memory`,
    short.disk && `${hostsWord(short.disk)} short of disk`,
    short.maintenance && `${hostsWord(short.maintenance)} in maintenance`,
  ].filter(Boolean);
  return { reason: `No host in zone "${zone}" can take ${size.vcpus} vCPU, ${size.memoryMiB} MiB, ${size.diskGiB} GiB now: ${parts.join(', ')}.` };
}

/** What a host lacks to take `size` more (a resize's growth) under the policy; empty when it fits. */
export function hostShortOf(h: HostLoad, size: VmSize, policy: Pick<PlacementPolicy, 'cpuOvercommit' | 'memoryOvercommit'>): string[] {
  const short: string[] = [];
  if (size.vcpus > 0 && h.cpus * policy.cpuOvercommit - h.usedVcpus < size.vcpus) short.push(`${size.vcpus} more vCPU`);
  if (size.memoryMiB > 0 && h.memoryMiB * policy.memoryOvercommit - h.usedMemoryMiB < size.memoryMiB) short.push(`${size.memoryMiB} MiB more memory`);
  if (size.diskGiB > 0 && h.diskTotalGiB - h.usedDiskGiB < size.diskGiB) short.push(`${size.diskGiB} GiB more disk`);
  return short;
}

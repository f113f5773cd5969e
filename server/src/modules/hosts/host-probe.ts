import { isDriverError } from '../../drivers/driver-errors.js';
import type { OvnChassisInfo } from '../../drivers/network.js';
import { HostKeyMismatchError, HostUnreachableError, SshAuthError, SshTimeoutError } from '../../drivers/ssh/ssh-errors.js';
import { driversFor, hostRuntime, targetOf, type HostRow } from './host-connections.js';
import { asPriority } from '../../drivers/ssh/ssh-pool.js';

// A probe connects (pinning the host key the first time), then asks libvirt, Open vSwitch and
// Docker what they have, all at once, each within its own deadline. It never throws: every
// failure becomes a status and a sentence an admin can act on.

export interface ProbeOutcome {
  status: 'ready' | 'error' | 'unreachable';
  statusReason: string | null;
  /** Set when the host presented a key other than the pinned one. */
  presentedHostKey?: string;
  /** The key to pin (first contact). */
  hostKeySha256?: string;
  /** The SSH connection dropped during the probe (worth one retry). */
  connectionDropped?: boolean;
  seen: boolean;
  facts?: {
    cpus: number; memoryMiB: number; diskTotalBytes: number; diskFreeBytes: number;
    libvirtVersion: string; qemuVersion: string; ovsVersion: string | null; dockerVersion: string | null;
    services: { libvirt: boolean; ovs: boolean; docker: boolean };
    cpuModel: string;
    /** OVN on this hypervisor; chassis is null when ovn-controller is not set up or does not answer. */
    ovn: OvnChassisInfo | null;
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Turns a connection failure into a status an admin understands, with what to do next. */
export function classifyConnectError(e: unknown, user: string): ProbeOutcome {
  if (e instanceof HostKeyMismatchError) {
    return {
      status: 'error', seen: true, presentedHostKey: e.presented,
      statusReason: `${e.message} If the host was reinstalled, approve the new key; otherwise treat this as a possible attack.`,
    };
  }
  if (e instanceof SshAuthError) {
    return { status: 'error', seen: true, statusReason: `${e.message} (~${user}/.ssh/authorized_keys; the register dialog shows the command)` };
  }
  if (e instanceof HostUnreachableError || e instanceof SshTimeoutError) {
    return { status: 'unreachable', seen: false, statusReason: e.message };
  }
  return { status: 'error', seen: false, statusReason: isDriverError(e) ? e.message : `Unexpected error while connecting: ${message(e)}` };
}

/**
 * One retry when the connection itself dropped mid-probe (a reset SSH connection is not a
 * verdict on the host); any other failure is reported as it is.
 */
export async function probeHost(host: HostRow): Promise<ProbeOutcome> {
  const first = await probeOnce(host);
  if (first.status === 'ready' || !first.connectionDropped) return first;
  const { pool } = await hostRuntime();
  pool.close(targetOf(host));
  return probeOnce(host);
}

async function probeOnce(host: HostRow): Promise<ProbeOutcome> {
  const { pool } = await hostRuntime();
  let pinned = host.hostKeySha256;
  let firstPin: string | undefined;
  try {
    const { hostKeySha256 } = await pool.connect(targetOf(host));
    if (!pinned) firstPin = pinned = hostKeySha256;
  } catch (e) {
    return classifyConnectError(e, host.sshUser);
  }
  const d = await driversFor({ ...host, hostKeySha256: pinned });
  // The probe may use the channel the pool keeps for it: a host busy with users' work is not down.
  const [node, versions, disk, ovsPing, ovsVersion, docker, ovn] = await asPriority(() => Promise.allSettled([
    d.hypervisor.nodeInfo(), d.hypervisor.versions(), d.hypervisor.diskUsage(host.imageDir),
    d.network.ping(), d.network.version(), d.containers.version(), d.network.ovnChassis(),
  ]));
  const base = { seen: true, ...(firstPin ? { hostKeySha256: firstPin } : {}) };
  for (const r of [node, versions, disk]) {
    if (r.status === 'rejected') {
      return { ...base, status: 'error', statusReason: `libvirt does not answer as expected: ${message(r.reason)}`, connectionDropped: r.reason instanceof HostUnreachableError };
    }
  }
  const ok = <T>(r: PromiseSettledResult<T>) => (r.status === 'fulfilled' ? r.value : undefined);
  const n = ok(node)!, v = ok(versions)!, du = ok(disk)!;
  const degraded: string[] = [];
  if (ovsPing.status === 'rejected') degraded.push(`Open vSwitch does not answer: ${message(ovsPing.reason)}`);
  if (docker.status === 'rejected') degraded.push(`Docker does not answer: ${message(docker.reason)}`);
  const ovnInfo = ok(ovn) ?? null;
  if (ovnInfo?.chassis && !ovnInfo.controller) degraded.push(`ovn-controller does not answer (chassis ${ovnInfo.chassis}): no new networked VMs are placed here.`);
  return {
    ...base,
    status: 'ready',
    statusReason: degraded.length ? degraded.join(' ') : null,
    facts: {
      cpus: n.cpus, memoryMiB: Math.floor(n.memoryKiB / 1024), cpuModel: n.cpuModel,
      diskTotalBytes: du.totalBytes, diskFreeBytes: du.freeBytes,
      libvirtVersion: v.libvirt, qemuVersion: v.qemu,
      ovsVersion: ok(ovsVersion) ?? null, dockerVersion: ok(docker)?.version ?? null,
      services: { libvirt: true, ovs: ovsPing.status === 'fulfilled', docker: docker.status === 'fulfilled' },
      ovn: ovnInfo,
    },
  };
}

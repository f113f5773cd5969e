import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { db } from '../../../platform/db.js';
import type { Client } from '../../../test/harness.js';
import { driversFor, hostRuntime, targetOf } from '../../hosts/host-connections.js';
import { volumeFile } from '../volume-operations.js';

// Shared by the volume tests: a storage pool per lab host in its own directory (named after
// this run, so parallel checkouts never share one), removed with every file in it afterwards.

export const RUN = randomUUID().slice(0, 8);
export const poolPath = (host: string) => `/var/lib/libvirt/volumes-test-${RUN}-${host}`;

/** Defines a pool on each registered lab host through the admin API; returns their ids by host name. */
export async function labPools(admin: Client): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const host of await db.host.findMany()) {
    const r = await admin.post('/api/admin/storage-pools', { hostId: host.id, name: `vt-${RUN}-${host.name}`, path: poolPath(host.name), reserveGiB: 1 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.pool.status, r.body.pool.health).toBe('ready');
    ids.set(host.name, r.body.pool.id);
  }
  return ids;
}

/** Removes every test pool of this run from the hosts: volumes, the libvirt pool and its directory. */
export async function removeLabPools(): Promise<void> {
  for (const pool of await db.storagePool.findMany({ include: { host: true } })) {
    const { storage } = await driversFor(pool.host);
    await storage.removePool(pool.name).catch(() => {});
    if (pool.path.includes(`volumes-test-${RUN}`)) await sh(pool.hostId, ['rm', '-rf', '--', pool.path]).catch(() => {});
  }
}

/** Runs a command on a lab host (the test's own eyes on the host). */
export async function sh(hostId: string, argv: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const host = await db.host.findUniqueOrThrow({ where: { id: hostId } });
  const { pool } = await hostRuntime();
  return pool.exec(targetOf(host), argv, { allowFailure: true });
}

export async function volumeOnHost(volumeId: string) {
  const v = await db.volume.findUniqueOrThrow({ where: { id: volumeId }, include: { pool: true } });
  return { hostId: v.pool.hostId, path: `${v.pool.path}/${volumeFile(v.id)}` };
}

/** Writes a 1 MiB pattern at offset 0 of a volume at rest, through QEMU's own qemu-io. */
export async function writePattern(volumeId: string, byte: number) {
  const { hostId, path } = await volumeOnHost(volumeId);
  const r = await sh(hostId, ['qemu-io', '-f', 'qcow2', '-c', `write -P ${byte} 0 1M`, path]);
  expect(r.exitCode, r.stderr).toBe(0);
}

/** True when the first MiB of the volume holds the pattern. */
export async function hasPattern(volumeId: string, byte: number): Promise<boolean> {
  const { hostId, path } = await volumeOnHost(volumeId);
  const r = await sh(hostId, ['qemu-io', '-r', '-U', '-f', 'qcow2', '-c', `read -P ${byte} 0 1M`, path]);
  return r.exitCode === 0 && !/Pattern verification failed/.test(r.stdout + r.stderr);
}

/** The VM's disks as libvirt lists them (`virsh domblklist`), live or from its definition. */
export async function domblklist(vmId: string, inactive = false) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { host: true } });
  return (await driversFor(vm.host!)).storage.blockDevices(vm.domainName, inactive);
}

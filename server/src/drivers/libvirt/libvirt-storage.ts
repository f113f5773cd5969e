import { setTimeout as sleep } from 'node:timers/promises';
import { HostResourceMissingError, HostStateConflictError, UnsafeValueError } from '../driver-errors.js';
import { assertIntInRange, assertPathUnder, assertSafeName, assertSafePath } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { CommandFailedError } from '../ssh/ssh-errors.js';
import type { ExecOptions, ExecResult } from '../ssh/ssh-pool.js';
import type { PoolSpec, StorageDriver, VolumeRef } from '../storage.js';
import { isImageLocked, parseQemuImgInfo } from './disk-parse.js';
import { isDomainMissing } from './virsh-parse.js';
import {
  isPoolMissing, isQemuSnapshotMissing, isVolumeMissing, parseDomBlkList, parsePoolInfo, parseQemuImgSnapshots, parseVolumeList,
  type BlockDevice, type PoolInfo,
} from './storage-parse.js';

// libvirt dir pools and their volumes over SSH. Pool names and paths are checked before they
// become arguments; a volume's file is always a plain name inside its pool's directory.

const GiB = 1024 ** 3;
const TARGET = /^vd[b-z]$/;

export class LibvirtStorage implements StorageDriver {
  constructor(
    private readonly runner: CommandRunner,
    private readonly target: SshTarget,
    private readonly uri = 'qemu:///system',
  ) {}

  private run(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runner.exec(this.target, argv, options);
  }

  private virsh(args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.run(['virsh', '-q', '-c', this.uri, ...args], options);
  }

  private async virshUnless(args: readonly string[], benign: (stderr: string) => boolean): Promise<ExecResult | null> {
    const argv = ['virsh', '-q', '-c', this.uri, ...args];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode === 0) return result;
    if (benign(result.stderr)) return null;
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  private pool(p: PoolSpec): PoolSpec {
    return { name: assertSafeName('pool', p.name), path: assertSafePath('pool path', p.path) };
  }

  path(vol: VolumeRef): string {
    const pool = this.pool(vol.pool);
    assertSafeName('image', vol.file);
    return assertPathUnder('volume path', `${pool.path}/${vol.file}`, [pool.path]);
  }

  async poolInfo(name: string): Promise<PoolInfo | null> {
    const r = await this.virshUnless(['pool-info', '--bytes', assertSafeName('pool', name)], isPoolMissing);
    return r && parsePoolInfo(r.stdout);
  }

  async ensurePool(spec: PoolSpec): Promise<void> {
    const { name, path } = this.pool(spec);
    let info = await this.poolInfo(name);
    if (!info) {
      await this.virsh(['pool-define-as', name, 'dir', '--target', path]);
      info = await this.poolInfo(name);
    } else {
      const xml = (await this.virsh(['pool-dumpxml', name])).stdout;
      if (!xml.includes(`<path>${path}</path>`)) throw new HostStateConflictError(`Storage pool ${name}`, `it points at another directory than ${path}`);
    }
    if (info?.state !== 'running') {
      await this.virsh(['pool-build', name]);
      await this.virsh(['pool-start', name]);
    }
    if (!info?.autostart) await this.virsh(['pool-autostart', name]);
  }

  async removePool(name: string): Promise<void> {
    const info = await this.poolInfo(name);
    if (!info) return;
    if (info.state === 'running') await this.virshUnless(['pool-destroy', name], isPoolMissing);
    // pool-delete removes the directory only when it is empty: files stay, an empty directory goes.
    await this.virshUnless(['pool-delete', name], () => true);
    await this.virshUnless(['pool-undefine', name], isPoolMissing);
  }

  async listVolumes(spec: PoolSpec): Promise<string[]> {
    const { name } = this.pool(spec);
    const refreshed = await this.virshUnless(['pool-refresh', name], isPoolMissing);
    if (!refreshed) throw new HostResourceMissingError(`Storage pool ${name}`);
    return parseVolumeList((await this.virsh(['vol-list', name])).stdout);
  }

  private async info(vol: VolumeRef) {
    const argv = ['qemu-img', 'info', '-U', '--output=json', this.path(vol)];
    const r = await this.run(argv, { allowFailure: true });
    if (r.exitCode === 0) return parseQemuImgInfo(r.stdout);
    if (/No such file or directory/.test(r.stderr)) return null;
    throw new CommandFailedError(this.target, argv, r.exitCode, r.stderr, r.signal);
  }

  async volumeSize(vol: VolumeRef): Promise<number | null> {
    return (await this.info(vol))?.virtualSizeBytes ?? null;
  }

  async volumeAllocation(vol: VolumeRef): Promise<number | null> {
    const i = await this.info(vol);
    return i ? i.actualSizeBytes ?? 0 : null;
  }

  async createVolume(vol: VolumeRef, sizeGiB: number): Promise<void> {
    assertIntInRange('volume size (GiB)', sizeGiB, 1, 64 * 1024);
    const existing = await this.info(vol);
    if (existing) {
      if (existing.format === 'qcow2' && !existing.backingFile) return;
      throw new HostStateConflictError(`Volume ${this.path(vol)}`, 'it is not a plain qcow2 volume');
    }
    await this.virsh(['vol-create-as', vol.pool.name, vol.file, `${sizeGiB}G`, '--format', 'qcow2']);
  }

  private async checkGrow(vol: VolumeRef, sizeGiB: number): Promise<boolean> {
    assertIntInRange('volume size (GiB)', sizeGiB, 1, 64 * 1024);
    const size = await this.volumeSize(vol);
    if (size === null) throw new HostResourceMissingError(`Volume ${this.path(vol)}`);
    if (size === sizeGiB * GiB) return false;
    if (size > sizeGiB * GiB) throw new UnsafeValueError('volume size (GiB)', String(sizeGiB), `the volume is already ${(size / GiB).toFixed(2)} GiB and volumes only grow`);
    return true;
  }

  async growVolume(vol: VolumeRef, sizeGiB: number): Promise<void> {
    if (!(await this.checkGrow(vol, sizeGiB))) return;
    const argv = ['qemu-img', 'resize', '-q', this.path(vol), `${sizeGiB}G`];
    const r = await this.run(argv, { allowFailure: true });
    if (r.exitCode === 0) return;
    if (isImageLocked(r.stderr)) throw new HostStateConflictError(`Volume ${this.path(vol)}`, 'it is in use', `Volume ${this.path(vol)} is in use by a running VM.`);
    throw new CommandFailedError(this.target, argv, r.exitCode, r.stderr, r.signal);
  }

  async growAttachedVolume(domain: string, target: string, vol: VolumeRef, sizeGiB: number): Promise<void> {
    if (!(await this.checkGrow(vol, sizeGiB))) return;
    await this.virsh(['blockresize', assertSafeName('vm', domain), this.target_(target), `${sizeGiB}G`]);
  }

  async deleteVolume(vol: VolumeRef): Promise<void> {
    const path = this.path(vol);
    // libvirt deletes what it knows; a file it has not seen yet (no refresh) goes with rm.
    await this.virshUnless(['vol-delete', '--pool', vol.pool.name, vol.file], (e) => isVolumeMissing(e) || isPoolMissing(e));
    await this.run(['rm', '-f', '--', path]);
  }

  private target_(t: string): string {
    if (!TARGET.test(t)) throw new UnsafeValueError('disk target', t, 'it must be vdb to vdz');
    return t;
  }

  async blockDevices(domain: string, inactive = false): Promise<BlockDevice[]> {
    const r = await this.virshUnless(['domblklist', '--details', assertSafeName('vm', domain), ...(inactive ? ['--inactive'] : [])], isDomainMissing);
    if (!r) throw new HostResourceMissingError(`Domain ${domain}`);
    return parseDomBlkList(r.stdout);
  }

  async attachVolume(domain: string, vol: VolumeRef, target: string, live: boolean): Promise<void> {
    const path = this.path(vol);
    const where = live ? await this.blockDevices(domain) : await this.blockDevices(domain, true);
    if (where.some((d) => d.source === path)) return;
    const taken = where.find((d) => d.target === target);
    if (taken) throw new HostStateConflictError(`Disk ${target} of ${domain}`, `it holds ${taken.source ?? 'another disk'}`);
    await this.virsh(['attach-disk', assertSafeName('vm', domain), path, this.target_(target),
      '--driver', 'qemu', '--subdriver', 'qcow2', '--targetbus', 'virtio', live ? '--persistent' : '--config']);
  }

  async detachVolume(domain: string, vol: VolumeRef, live: boolean, timeoutMs = 30_000): Promise<void> {
    const path = this.path(vol);
    const inDefinition = (await this.blockDevices(domain, true)).find((d) => d.source === path);
    const running = live ? (await this.blockDevices(domain)).find((d) => d.source === path) : undefined;
    if (inDefinition && !running) await this.virsh(['detach-disk', domain, inDefinition.target, '--config']);
    if (!running) return;
    await this.virsh(['detach-disk', domain, running.target, ...(inDefinition ? ['--persistent'] : ['--live'])]);
    // A live unplug is a request to the guest; it is done when the disk is gone from the domain.
    const deadline = Date.now() + timeoutMs;
    while ((await this.blockDevices(domain)).some((d) => d.source === path)) {
      if (Date.now() > deadline) {
        throw new HostStateConflictError(`Disk ${running.target} of ${domain}`, 'the guest did not release it',
          `The guest of ${domain} did not release ${running.target} within ${Math.round(timeoutMs / 1000)} s; shut the VM down and detach again.`);
      }
      await sleep(500);
    }
  }

  async listVolumeSnapshots(vol: VolumeRef): Promise<string[]> {
    const r = await this.run(['qemu-img', 'snapshot', '-U', '-l', this.path(vol)]);
    return parseQemuImgSnapshots(r.stdout);
  }

  private async qemuSnapshot(flag: '-c' | '-a' | '-d', vol: VolumeRef, name: string, benign?: (e: string) => boolean): Promise<void> {
    const argv = ['qemu-img', 'snapshot', flag, assertSafeName('snapshot', name), this.path(vol)];
    const r = await this.run(argv, { allowFailure: true, timeoutMs: 10 * 60_000 });
    if (r.exitCode === 0 || benign?.(r.stderr)) return;
    if (isImageLocked(r.stderr)) throw new HostStateConflictError(`Volume ${this.path(vol)}`, 'it is in use', `Volume ${this.path(vol)} is in use by a running VM; shut it down or detach the volume first.`);
    throw new CommandFailedError(this.target, argv, r.exitCode, r.stderr, r.signal);
  }

  async createVolumeSnapshot(vol: VolumeRef, name: string): Promise<void> {
    if ((await this.listVolumeSnapshots(vol)).includes(name)) return;
    await this.qemuSnapshot('-c', vol, name);
  }

  async revertVolumeSnapshot(vol: VolumeRef, name: string): Promise<void> {
    if (!(await this.listVolumeSnapshots(vol)).includes(name)) throw new HostResourceMissingError(`Snapshot ${name} of ${this.path(vol)}`);
    await this.qemuSnapshot('-a', vol, name);
  }

  async deleteVolumeSnapshot(vol: VolumeRef, name: string): Promise<void> {
    await this.qemuSnapshot('-d', vol, name, isQemuSnapshotMissing);
  }
}

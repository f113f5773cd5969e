import type { BlockDevice, PoolInfo } from './libvirt/storage-parse.js';

export type { BlockDevice, PoolInfo } from './libvirt/storage-parse.js';

// Block storage on a host: dir pools, the volumes in them (qcow2 files), attaching them to
// domains, and their internal snapshots. Every mutating call is check-before-act and safe to
// repeat, like the hypervisor driver's.

export interface PoolSpec { name: string; path: string }
export interface VolumeRef { pool: PoolSpec; file: string }

export interface StorageDriver {
  /** Defines, builds, starts and autostarts a dir pool at `path`; an identical one is success. */
  ensurePool(pool: PoolSpec): Promise<void>;
  /** null when libvirt has no such pool. */
  poolInfo(name: string): Promise<PoolInfo | null>;
  /** Stops and undefines a pool; its directory goes only when empty (files stay). Missing: success. */
  removePool(name: string): Promise<void>;
  /** The volume files of a pool, as libvirt sees them after a refresh. */
  listVolumes(pool: PoolSpec): Promise<string[]>;
  /** A new empty qcow2 volume; an existing one of that name is success. */
  createVolume(vol: VolumeRef, sizeGiB: number): Promise<void>;
  /** Virtual size in bytes; null when the file is missing. */
  volumeSize(vol: VolumeRef): Promise<number | null>;
  /** Allocated bytes on disk (what snapshots add to); null when missing. */
  volumeAllocation(vol: VolumeRef): Promise<number | null>;
  /** Grows a detached (or stopped-VM) volume; same size: no-op; smaller: refused. */
  growVolume(vol: VolumeRef, sizeGiB: number): Promise<void>;
  /** Grows a volume attached to a running domain, live (`virsh blockresize`). */
  growAttachedVolume(domain: string, target: string, vol: VolumeRef, sizeGiB: number): Promise<void>;
  /** Deletes a volume file; missing: success. */
  deleteVolume(vol: VolumeRef): Promise<void>;
  path(vol: VolumeRef): string;

  /** The domain's disks; `inactive`: its persistent definition instead of the running one. */
  blockDevices(domain: string, inactive?: boolean): Promise<BlockDevice[]>;
  /**
   * Attaches a volume as virtio `target`: live and persistent on a running domain, in the
   * definition only on a stopped one. Already attached (same source): success.
   */
  attachVolume(domain: string, vol: VolumeRef, target: string, live: boolean): Promise<void>;
  /** Detaches the disk whose source is the volume; live ones wait until the guest lets go. */
  detachVolume(domain: string, vol: VolumeRef, live: boolean, timeoutMs?: number): Promise<void>;

  listVolumeSnapshots(vol: VolumeRef): Promise<string[]>;
  /** An existing snapshot of that name is success. The volume must not be in use. */
  createVolumeSnapshot(vol: VolumeRef, name: string): Promise<void>;
  revertVolumeSnapshot(vol: VolumeRef, name: string): Promise<void>;
  /** Missing: success. */
  deleteVolumeSnapshot(vol: VolumeRef, name: string): Promise<void>;
}

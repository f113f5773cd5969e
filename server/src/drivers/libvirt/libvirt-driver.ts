import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostResourceMissingError, HostStateConflictError, StateWaitTimeoutError, UnsafeValueError } from '../driver-errors.js';
import type { DomainResize, FileTail, HypervisorDriver, ImageImport, LinkedClone, SeedIsoSpec } from '../hypervisor.js';
import { BaseImages } from './base-images.js';
import { assertIntInRange, assertPathUnder, assertSafeName, assertSafePath } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { CommandFailedError } from '../ssh/ssh-errors.js';
import type { ExecOptions, ExecResult } from '../ssh/ssh-pool.js';
import { isImageLocked, type IsoVolumeInfo, parseDfSizeAvail, type DiskUsage, parseIsoPrimaryDescriptor, parseQemuImgInfo, type ImageInfo } from './disk-parse.js';
import { buildInterfaceXml, VM_METADATA_NS, type DomainNic } from './domain-xml.js';
import { buildSeedFiles, seedApplicationId } from './nocloud-seed.js';
import { buildTar } from './tar.js';
import {
  isDomainAlreadyActive,
  isDomainMissing,
  isDomainNotRunning,
  isMetadataMissing,
  isSnapshotExisting,
  isSnapshotMissing,
  parseDomainInfo,
  parseDomainList,
  parseDomainState,
  parseDomainStats,
  parseDomainTable,
  parseNodeInfo,
  parseSnapshotList,
  parseVersion,
  parseVmMetadata,
  parseVncEndpoint,
  parseDomIfAddr,
  parseDomIfList,
  type DomainInfo,
  type DomainListEntry,
  type DomainState,
  type DomainStats,
  type SnapshotInfo,
  type VncEndpoint,
} from './virsh-parse.js';

// libvirt over SSH: `virsh -q -c qemu:///system ...` and `qemu-img`, through the pool. Every
// name and path is validated before it becomes an argument; file operations stay inside the
// host's image directory, and base images (under <imageDir>/base) are never written or removed.

export interface LibvirtDriverOptions {
  imageDir?: string;
  uri?: string;
}

const STOPPED: ReadonlySet<DomainState> = new Set(['shutoff', 'crashed', 'nostate']);
const GiB = 1024 ** 3;
/** An internal snapshot of a running domain saves its RAM: allow minutes for large guests. */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

export class LibvirtDriver implements HypervisorDriver {
  readonly imageDir: string;
  private readonly uri: string;

  constructor(
    private readonly runner: CommandRunner,
    private readonly target: SshTarget,
    options: LibvirtDriverOptions = {},
  ) {
    this.imageDir = assertSafePath('image directory', options.imageDir ?? '/var/lib/libvirt/images');
    this.uri = options.uri ?? 'qemu:///system';
  }

  private run(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runner.exec(this.target, argv, options);
  }

  private virsh(args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.run(['virsh', '-q', '-c', this.uri, ...args], options);
  }

  /** Runs virsh; a failure whose stderr matches `benign` resolves to null, others throw. */
  private async virshUnless(args: readonly string[], benign: (stderr: string) => boolean, options?: ExecOptions): Promise<ExecResult | null> {
    const argv = ['virsh', '-q', '-c', this.uri, ...args];
    const result = await this.run(argv, { ...options, allowFailure: true });
    if (result.exitCode === 0) return result;
    if (benign(result.stderr)) return null;
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  async nodeInfo() {
    return parseNodeInfo((await this.virsh(['nodeinfo'])).stdout);
  }

  async versions() {
    return parseVersion((await this.virsh(['version'])).stdout);
  }

  async listDomains(): Promise<string[]> {
    return parseDomainList((await this.virsh(['list', '--all', '--name'])).stdout);
  }

  async listDomainsWithState(): Promise<DomainListEntry[]> {
    return parseDomainTable((await this.virsh(['list', '--all'])).stdout);
  }

  async domainInfo(name: string): Promise<DomainInfo | null> {
    const result = await this.virshUnless(['dominfo', assertSafeName('vm', name)], isDomainMissing);
    return result && parseDomainInfo(result.stdout);
  }

  async domainVmId(name: string): Promise<string | null> {
    const result = await this.virshUnless(['metadata', assertSafeName('vm', name), VM_METADATA_NS], (e) => isDomainMissing(e) || isMetadataMissing(e));
    return result && parseVmMetadata(result.stdout);
  }

  async domainState(name: string): Promise<DomainState | null> {
    const result = await this.virshUnless(['domstate', assertSafeName('vm', name)], isDomainMissing);
    return result && parseDomainState(result.stdout);
  }

  async domainStats(name: string): Promise<DomainStats | null> {
    const result = await this.virshUnless(['domstats', assertSafeName('vm', name)], isDomainMissing);
    return result && parseDomainStats(result.stdout);
  }

  /**
   * IPv4 addresses the guest reports through the QEMU guest agent, by MAC; null when the domain
   * is missing, not running, or has no answering agent (the platform uses the agent only where present).
   */
  async guestAddresses(name: string): Promise<Record<string, string[]> | null> {
    const result = await this.virshUnless(['domifaddr', assertSafeName('vm', name), '--source', 'agent'], () => true, { timeoutMs: 10_000 });
    return result ? parseDomIfAddr(result.stdout) : null;
  }

  async vncEndpoint(name: string): Promise<VncEndpoint | null> {
    // The live XML names the socket (or port) of the instance running now, in one read.
    const result = await this.virshUnless(['dumpxml', assertSafeName('vm', name)], isDomainMissing);
    return result ? parseVncEndpoint(result.stdout) : null;
  }

  async diskUsage(dir: string): Promise<DiskUsage> {
    return parseDfSizeAvail((await this.run(['df', '-B1', '--output=size,avail', assertSafePath('directory', dir)])).stdout);
  }

  /** A path for a VM's own files: inside the image directory, outside its base/ folder. */
  private vmFilePath(kind: string, path: string): string {
    assertPathUnder(kind, path, [this.imageDir]);
    if (path.startsWith(`${this.imageDir}/base/`)) throw new UnsafeValueError(kind, path, 'base images are read-only templates');
    return path;
  }

  async imageInfo(path: string): Promise<ImageInfo | null> {
    const argv = ['qemu-img', 'info', '-U', '--output=json', assertPathUnder('image path', path, [this.imageDir])];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode === 0) return parseQemuImgInfo(result.stdout);
    if (/No such file or directory/.test(result.stderr)) return null;
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  async createLinkedClone({ base, target, sizeGiB }: LinkedClone): Promise<void> {
    assertPathUnder('base image path', base, [this.imageDir]);
    this.vmFilePath('disk path', target);
    if (sizeGiB !== undefined) assertIntInRange('disk size (GiB)', sizeGiB, 1, 64 * 1024);
    const existing = await this.imageInfo(target);
    if (existing) {
      if (existing.format === 'qcow2' && existing.backingFile === base) return;
      throw new HostStateConflictError(`Disk ${target}`, `it is not a qcow2 overlay of ${base}`);
    }
    await this.run(['mkdir', '-p', '--', posix.dirname(target)]);
    await this.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, target, ...(sizeGiB ? [`${sizeGiB}G`] : [])]);
  }

  async createBlankDisk(target: string, sizeGiB: number): Promise<void> {
    this.vmFilePath('disk path', target);
    assertIntInRange('disk size (GiB)', sizeGiB, 1, 64 * 1024);
    const existing = await this.imageInfo(target);
    if (existing) {
      if (existing.format === 'qcow2' && !existing.backingFile) return;
      throw new HostStateConflictError(`Disk ${target}`, 'it is not an empty qcow2 disk');
    }
    await this.run(['mkdir', '-p', '--', posix.dirname(target)]);
    await this.run(['qemu-img', 'create', '-q', '-f', 'qcow2', target, `${sizeGiB}G`]);
  }

  /** Defines (or redefines) a domain from XML built by domain-xml.ts; sent on stdin, no temp file. */
  async defineDomain(xml: string): Promise<void> {
    await this.virsh(['define', '/dev/stdin'], { stdin: xml });
  }

  async start(name: string): Promise<void> {
    const state = await this.domainState(name);
    if (state !== null && !STOPPED.has(state)) return;
    await this.virshUnless(['start', name], isDomainAlreadyActive);
  }

  async shutdown(name: string): Promise<void> {
    const state = await this.domainState(name);
    if (state === null || STOPPED.has(state)) return;
    await this.virshUnless(['shutdown', name], (e) => isDomainNotRunning(e) || isDomainMissing(e));
  }

  async destroy(name: string): Promise<void> {
    const state = await this.domainState(name);
    if (state === null || STOPPED.has(state)) return;
    await this.virshUnless(['destroy', name], (e) => isDomainNotRunning(e) || isDomainMissing(e));
  }

  async undefine(name: string): Promise<void> {
    // Without --snapshots-metadata libvirt refuses a domain that has snapshots. Internal
    // snapshots live inside the qcow2 disk, which the caller removes next.
    await this.virshUnless(['undefine', assertSafeName('vm', name), '--snapshots-metadata'], isDomainMissing);
  }

  private baseImages?: BaseImages;
  private get images(): BaseImages {
    return (this.baseImages ??= new BaseImages(this.runner, this.target, this.imageDir));
  }

  importImage(spec: ImageImport): Promise<void> {
    return this.images.importImage(spec);
  }

  listBaseImages() {
    return this.images.list();
  }

  fileSha256(path: string): Promise<string | null> {
    return this.images.sha256(path);
  }

  removeImportedImage(path: string): Promise<void> {
    return this.images.remove(path);
  }

  async removeFile(path: string): Promise<void> {
    await this.run(['rm', '-f', '--', this.vmFilePath('file path', path)]);
  }

  async fileExists(path: string): Promise<boolean> {
    const argv = ['test', '-e', assertPathUnder('file path', path, [this.imageDir])];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode === 0 || result.exitCode === 1) return result.exitCode === 0;
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  async readFileTail(path: string, maxBytes: number): Promise<FileTail | null> {
    assertIntInRange('bytes to read', maxBytes, 1, 1024 * 1024);
    // One byte more than asked says whether the file holds more (without a second command).
    const argv = ['tail', '-c', String(maxBytes + 1), '--', assertPathUnder('file path', path, [this.imageDir])];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode !== 0) {
      if (/No such file or directory/.test(result.stderr)) return null;
      throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
    }
    const bytes = Buffer.from(result.stdout, 'utf8');
    return bytes.length > maxBytes ? { text: bytes.subarray(bytes.length - maxBytes).toString('utf8'), truncated: true } : { text: result.stdout, truncated: false };
  }

  // ------------------------------------------------------------------ lifecycle

  /** ACPI reboot. The guest must handle the power button; the domain stays 'running' throughout. */
  async reboot(name: string): Promise<void> {
    const state = await this.domainState(name);
    if (state === null) throw new HostResourceMissingError(`Domain ${name}`);
    if (state !== 'running' && state !== 'blocked') {
      throw new HostStateConflictError(`Domain ${name}`, `it is ${state}`, `Domain ${name} must be running to reboot (it is ${state}).`);
    }
    await this.virsh(['reboot', name, '--mode', 'acpi']);
  }

  async waitForState(name: string, states: readonly DomainState[], timeoutMs: number, intervalMs = 500): Promise<DomainState> {
    assertSafeName('vm', name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.domainState(name);
      if (state === null) throw new HostResourceMissingError(`Domain ${name}`);
      if (states.includes(state)) return state;
      if (Date.now() + intervalMs > deadline) throw new StateWaitTimeoutError(`Domain ${name}`, states, state, timeoutMs);
      await sleep(intervalMs);
    }
  }

  /** The domain's info, which must be shut off for `action`. */
  private async requireShutOff(name: string, action: string): Promise<DomainInfo> {
    const info = await this.domainInfo(name);
    if (!info) throw new HostResourceMissingError(`Domain ${name}`);
    if (info.state !== 'shutoff') {
      throw new HostStateConflictError(`Domain ${name}`, `it is ${info.state}`, `Domain ${name} must be shut off to ${action} (it is ${info.state}).`);
    }
    return info;
  }

  /**
   * Changes vCPUs and/or memory of a shut-off domain in its persistent config, with targeted
   * virsh commands rather than a redefinition, so everything else libvirt filled in (UUID,
   * MAC addresses, machine type, PCI addresses) stays as it is. Lowering the maximum lowers the
   * current value with it, so "maximum, then current" is right for growing and shrinking.
   */
  async domainNicMacs(name: string): Promise<string[] | null> {
    const result = await this.virshUnless(['domiflist', assertSafeName('vm', name), '--inactive'], isDomainMissing);
    return result && parseDomIfList(result.stdout).map((i) => i.mac);
  }

  // NICs change in the definition only (--config), on a shut-off domain: the next start has them.
  // virsh adds a second NIC with the same MAC without complaint, so each checks before it acts.
  async attachNic(name: string, nic: DomainNic): Promise<void> {
    const xml = buildInterfaceXml(nic);
    await this.requireShutOff(name, 'add a NIC');
    if (nic.mac !== undefined && (await this.domainNicMacs(name))?.includes(nic.mac)) return;
    await this.virsh(['attach-device', name, '/dev/stdin', '--config'], { stdin: xml });
  }

  async detachNic(name: string, mac: string): Promise<void> {
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) throw new UnsafeValueError('MAC address', mac, 'it must look like 52:54:00:xx:xx:xx (lower-case hex)');
    const macs = await this.domainNicMacs(name);
    if (!macs?.includes(mac)) return;
    await this.requireShutOff(name, 'remove a NIC');
    await this.virsh(['detach-interface', name, 'bridge', '--mac', mac, '--config']);
  }

  async resizeDomain(name: string, { vcpus, memoryMiB }: DomainResize): Promise<void> {
    assertSafeName('vm', name);
    if (vcpus !== undefined) assertIntInRange('vCPU count', vcpus, 1, 256);
    if (memoryMiB !== undefined) assertIntInRange('memory (MiB)', memoryMiB, 16, 1024 * 1024);
    const info = await this.requireShutOff(name, 'resize it');
    if (vcpus !== undefined && info.vcpus !== vcpus) {
      await this.virsh(['setvcpus', name, String(vcpus), '--config', '--maximum']);
      await this.virsh(['setvcpus', name, String(vcpus), '--config']);
    }
    const kib = memoryMiB === undefined ? undefined : memoryMiB * 1024;
    if (kib !== undefined && (info.maxMemoryKiB !== kib || info.usedMemoryKiB !== kib)) {
      await this.virsh(['setmaxmem', name, `${kib}KiB`, '--config']);
      await this.virsh(['setmem', name, `${kib}KiB`, '--config']);
    }
  }

  /** Grows a VM disk (never shrinks). The domain using it must be shut off. */
  async resizeDisk(path: string, sizeGiB: number): Promise<void> {
    this.vmFilePath('disk path', path);
    assertIntInRange('disk size (GiB)', sizeGiB, 1, 64 * 1024);
    const info = await this.imageInfo(path);
    if (!info) throw new HostResourceMissingError(`Disk ${path}`);
    const wanted = sizeGiB * GiB;
    if (info.virtualSizeBytes === wanted) return;
    if (info.virtualSizeBytes > wanted) {
      throw new UnsafeValueError('disk size (GiB)', String(sizeGiB), `disk ${path} is already ${(info.virtualSizeBytes / GiB).toFixed(2)} GiB and disks only grow (shrinking would destroy data)`);
    }
    const argv = ['qemu-img', 'resize', '-q', path, `${sizeGiB}G`];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode === 0) return;
    if (isImageLocked(result.stderr)) {
      throw new HostStateConflictError(`Disk ${path}`, 'it is in use', `Disk ${path} is in use by a running domain; shut the domain off to resize it.`);
    }
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  // ------------------------------------------------------------------ seed ISO

  /**
   * Writes a NoCloud seed ISO (volume label cidata). The files are built here, travel as a tar
   * stream on stdin into a fresh temporary directory next to the ISO, and genisoimage (or
   * xorriso) writes the image there; it then replaces `path` with one rename, so a reader never
   * sees a half-written ISO. The content hash is recorded as the ISO's application id: an ISO
   * already carrying it is left alone; any other file at `path` is replaced.
   */
  async createSeedIso({ path, hostname, instanceId, sshAuthorizedKeys }: SeedIsoSpec): Promise<void> {
    this.vmFilePath('seed ISO path', path);
    if (!path.endsWith('.iso')) throw new UnsafeValueError('seed ISO path', path, 'it must end in .iso');
    const files = buildSeedFiles({ hostname, instanceId, sshAuthorizedKeys });
    const appId = seedApplicationId(files);
    const current = await this.isoVolumeInfo(path);
    if (current?.volumeId === 'cidata' && current.applicationId === appId) return;

    const dir = posix.dirname(path);
    // Named after the ISO, so what belongs to which seed stays recognisable on a busy host.
    const tmp = this.vmFilePath('temporary directory', `${dir}/cc-seed-tmp-${posix.basename(path, '.iso')}-${randomBytes(6).toString('hex')}`);
    await this.run(['mkdir', '-p', '--', dir]);
    await this.run(['mkdir', '--', tmp]);
    try {
      const tar = buildTar([
        { name: 'user-data', content: files.userData },
        { name: 'meta-data', content: files.metaData },
      ]);
      await this.run(['tar', '-x', '--no-same-owner', '-C', tmp, '-f', '-'], { stdin: tar });
      await this.makeIso(`${tmp}/seed.iso`, appId, [`${tmp}/user-data`, `${tmp}/meta-data`]);
      await this.run(['mv', '-f', '--', `${tmp}/seed.iso`, path]);
    } finally {
      await this.run(['rm', '-rf', '--', tmp]).catch(() => undefined);
    }
  }

  private isoTool: 'genisoimage' | 'xorriso' | undefined;

  /** genisoimage when the host has it (exit 127 from `timeout`: not installed), else xorriso. */
  private async makeIso(output: string, appId: string, files: readonly string[]): Promise<void> {
    const genisoimage = ['genisoimage', '-quiet', '-output', output, '-volid', 'cidata', '-A', appId, '-joliet', '-rock', ...files];
    const xorriso = ['xorriso', '-as', 'mkisofs', '-quiet', '-output', output, '-V', 'cidata', '-A', appId, '-J', '-r', ...files];
    if (this.isoTool !== 'xorriso') {
      const result = await this.run(genisoimage, { allowFailure: true });
      if (result.exitCode === 0) {
        this.isoTool = 'genisoimage';
        return;
      }
      if (result.exitCode !== 127) throw new CommandFailedError(this.target, genisoimage, result.exitCode, result.stderr, result.signal);
    }
    await this.run(xorriso);
    this.isoTool = 'xorriso';
  }

  /** Volume and application id of an ISO image; null when the file is missing or not an ISO. */
  async isoVolumeInfo(path: string): Promise<IsoVolumeInfo | null> {
    const argv = ['od', '-A', 'n', '-t', 'x1', '-v', '-j', '32768', '-N', '2048', assertPathUnder('ISO path', path, [this.imageDir])];
    const result = await this.run(argv, { allowFailure: true });
    if (result.exitCode === 0) return parseIsoPrimaryDescriptor(result.stdout);
    if (/No such file or directory|cannot skip past end/.test(result.stderr)) return null;
    throw new CommandFailedError(this.target, argv, result.exitCode, result.stderr, result.signal);
  }

  // ------------------------------------------------------------------ snapshots

  async listSnapshots(domain: string): Promise<SnapshotInfo[]> {
    const result = await this.virshUnless(['snapshot-list', assertSafeName('vm', domain)], isDomainMissing);
    if (!result) throw new HostResourceMissingError(`Domain ${domain}`);
    return parseSnapshotList(result.stdout);
  }

  /**
   * An internal snapshot (inside the qcow2 disk). Of a shut-off domain: the disk. Of a running
   * or paused domain: disk and RAM (the guest pauses while its memory is written). `--atomic`:
   * a failure leaves no snapshot behind. An existing snapshot of that name is success.
   */
  async createSnapshot(domain: string, name: string): Promise<void> {
    assertSafeName('snapshot', name);
    if ((await this.listSnapshots(domain)).some((s) => s.name === name)) return;
    await this.virshUnless(['snapshot-create-as', domain, name, '--atomic'], isSnapshotExisting, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  }

  /**
   * Returns the domain to the snapshot: disk, and for a snapshot of a running domain its RAM
   * too. Afterwards the domain is in the snapshot's state (running or shut off), whatever it
   * was before. Reverting again to the same snapshot gives the same result.
   */
  async revertSnapshot(domain: string, name: string): Promise<void> {
    assertSafeName('vm', domain);
    assertSafeName('snapshot', name);
    const result = await this.virshUnless(['snapshot-revert', domain, name], (e) => isSnapshotMissing(e) || isDomainMissing(e), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
    if (!result) {
      if ((await this.domainState(domain)) === null) throw new HostResourceMissingError(`Domain ${domain}`);
      throw new HostResourceMissingError(`Snapshot ${name} of domain ${domain}`);
    }
  }

  /** Deletes one snapshot (its children are kept, re-parented); missing snapshot or domain: done. */
  async deleteSnapshot(domain: string, name: string): Promise<void> {
    assertSafeName('vm', domain);
    assertSafeName('snapshot', name);
    await this.virshUnless(['snapshot-delete', domain, name], (e) => isSnapshotMissing(e) || isDomainMissing(e), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  }
}

import { posix } from 'node:path';
import { HostStateConflictError, UnsafeValueError } from '../driver-errors.js';
import type { HypervisorDriver, LinkedClone } from '../hypervisor.js';
import { assertIntInRange, assertPathUnder, assertSafeName, assertSafePath } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { CommandFailedError } from '../ssh/ssh-errors.js';
import type { ExecOptions, ExecResult } from '../ssh/ssh-pool.js';
import { parseDfSizeAvail, type DiskUsage, parseQemuImgInfo, type ImageInfo } from './disk-parse.js';
import {
  isDomainAlreadyActive,
  isDomainMissing,
  isDomainNotRunning,
  parseDomainList,
  parseDomainState,
  parseDomainStats,
  parseNodeInfo,
  parseVersion,
  parseVncDisplay,
  type DomainState,
  type DomainStats,
  type VncDisplay,
} from './virsh-parse.js';

// libvirt over SSH: `virsh -q -c qemu:///system ...` and `qemu-img`, through the pool. Every
// name and path is validated before it becomes an argument; file operations stay inside the
// host's image directory, and base images (under <imageDir>/base) are never written or removed.

export interface LibvirtDriverOptions {
  imageDir?: string;
  uri?: string;
}

const STOPPED: ReadonlySet<DomainState> = new Set(['shutoff', 'crashed', 'nostate']);

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

  async domainState(name: string): Promise<DomainState | null> {
    const result = await this.virshUnless(['domstate', assertSafeName('vm', name)], isDomainMissing);
    return result && parseDomainState(result.stdout);
  }

  async domainStats(name: string): Promise<DomainStats | null> {
    const result = await this.virshUnless(['domstats', assertSafeName('vm', name)], isDomainMissing);
    return result && parseDomainStats(result.stdout);
  }

  async vncDisplay(name: string): Promise<VncDisplay | null> {
    const result = await this.virshUnless(['vncdisplay', assertSafeName('vm', name)], (e) => isDomainMissing(e) || isDomainNotRunning(e));
    return result && result.stdout.trim() ? parseVncDisplay(result.stdout) : null;
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
    await this.virshUnless(['undefine', assertSafeName('vm', name)], isDomainMissing);
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
}

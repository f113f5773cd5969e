import type { DiskUsage, HostFile, ImageInfo } from './libvirt/disk-parse.js';
import type { ImageImport } from './libvirt/base-images.js';
import type { DomainNic } from './libvirt/domain-xml.js';

export type { ImageImport } from './libvirt/base-images.js';
import type { DomainInfo, DomainListEntry, DomainState, DomainStats, HypervisorVersions, NodeInfo, SnapshotInfo, VncEndpoint } from './libvirt/virsh-parse.js';

export type { DiskUsage, HostFile, ImageInfo } from './libvirt/disk-parse.js';
export type {
  DomainInfo,
  DomainListEntry,
  DomainState,
  DomainStats,
  HypervisorVersions,
  NodeInfo,
  SnapshotInfo,
  SnapshotState,
  VncEndpoint,
} from './libvirt/virsh-parse.js';

// What the platform asks of a hypervisor host, whatever runs it. Every mutating call is
// check-before-act and safe to repeat: creating what exists (with the same shape) and
// deleting what is gone both succeed, so an operation's retry or a restarted worker resumes.

export interface LinkedClone {
  /** Base image (read-only template). */
  base: string;
  /** New copy-on-write overlay. */
  target: string;
  /** Virtual size; absent: the base image's size. */
  sizeGiB?: number;
}

export interface SeedIsoSpec {
  /** Where the ISO goes: inside the host's image directory, not under base/; ends in .iso. */
  path: string;
  /** The guest's hostname (RFC 1123). */
  hostname: string;
  /** cloud-init's instance-id; a new value makes cloud-init run its first-boot modules again. */
  instanceId: string;
  /** OpenSSH public key lines for the default user. */
  sshAuthorizedKeys: string[];
}

export interface DomainResize {
  vcpus?: number;
  memoryMiB?: number;
}

export interface HypervisorDriver {
  nodeInfo(): Promise<NodeInfo>;
  versions(): Promise<HypervisorVersions>;
  listDomains(): Promise<string[]>;
  /** Every defined or running domain with its state, in one command (for reconciliation). */
  listDomainsWithState(): Promise<DomainListEntry[]>;
  /** vCPUs, memory, UUID, persistence; null when no such domain is defined. */
  domainInfo(name: string): Promise<DomainInfo | null>;
  /** The platform's VM id from the domain's <metadata>; null when the domain or the element is missing. */
  domainVmId(name: string): Promise<string | null>;
  /** null when no such domain is defined. */
  domainState(name: string): Promise<DomainState | null>;
  /** null when no such domain is defined. */
  domainStats(name: string): Promise<DomainStats | null>;
  /** Where the running domain's VNC server listens; null when the domain is missing or not running. */
  vncEndpoint(name: string): Promise<VncEndpoint | null>;
  /** IPv4 addresses by MAC as the guest agent reports them; null without an answering agent. */
  guestAddresses(name: string): Promise<Record<string, string[]> | null>;
  /** Size of, and bytes available to an unprivileged writer on, the filesystem holding `dir`. */
  diskUsage(dir: string): Promise<DiskUsage>;
  /** Format, virtual and allocated size of an image in the image directory; null when missing. */
  imageInfo(path: string): Promise<ImageInfo | null>;

  createLinkedClone(clone: LinkedClone): Promise<void>;
  /** An empty qcow2 of `sizeGiB` (a VM that installs from an ISO); an existing one without a backing file is success. */
  createBlankDisk(target: string, sizeGiB: number): Promise<void>;
  defineDomain(xml: string): Promise<void>;
  start(name: string): Promise<void>;
  /** Asks the guest to power off (ACPI) and returns; poll domainState for 'shutoff'. */
  shutdown(name: string): Promise<void>;
  /** Powers the domain off at once. */
  destroy(name: string): Promise<void>;
  /**
   * ACPI reboot of a running domain (HostStateConflictError otherwise). The guest must handle
   * the power button. Not idempotent by nature: each call reboots; the domain stays 'running'
   * throughout, so the reboot cannot be observed through domainState.
   */
  reboot(name: string): Promise<void>;
  /**
   * Polls domainState every `intervalMs` (500) until it is one of `states`; returns it.
   * StateWaitTimeoutError after `timeoutMs`; HostResourceMissingError if the domain vanishes.
   */
  waitForState(name: string, states: readonly DomainState[], timeoutMs: number, intervalMs?: number): Promise<DomainState>;
  /** Removes the definition and its snapshot metadata (not the disks: removeFile them). */
  undefine(name: string): Promise<void>;

  /** vCPUs and/or memory of a SHUT OFF domain (HostStateConflictError otherwise); no-op when already so. */
  resizeDomain(name: string, resize: DomainResize): Promise<void>;
  /** Grows a disk image to `sizeGiB` (same size: no-op; smaller: UnsafeValueError; in use: HostStateConflictError). */
  resizeDisk(path: string, sizeGiB: number): Promise<void>;
  /** MACs of the NICs in the domain's definition (what its next start has); null when the domain is missing. */
  domainNicMacs(name: string): Promise<string[] | null>;
  /** Adds a NIC to a shut-off domain's definition; a NIC with its MAC already there is done. */
  attachNic(name: string, nic: DomainNic): Promise<void>;
  /** Removes the NIC with this MAC from a shut-off domain's definition; none there (or no domain) is done. */
  detachNic(name: string, mac: string): Promise<void>;
  /** Writes a NoCloud seed ISO (label cidata); an identical one already there is left alone. */
  createSeedIso(spec: SeedIsoSpec): Promise<void>;

  /** Oldest first. HostResourceMissingError when the domain is missing. */
  listSnapshots(domain: string): Promise<SnapshotInfo[]>;
  /** Internal snapshot; of a running domain it includes RAM. An existing name is success. */
  createSnapshot(domain: string, name: string): Promise<void>;
  /** The domain ends in the snapshot's state. HostResourceMissingError when the snapshot is missing. */
  revertSnapshot(domain: string, name: string): Promise<void>;
  /** A missing snapshot (or domain) is success. */
  deleteSnapshot(domain: string, name: string): Promise<void>;
  /**
   * Writes an imported base image (<imageDir>/base/img-<uuid>.qcow2|iso) from a stream, checks
   * size, SHA-256 and format (no backing or data file in a qcow2) before it is renamed into
   * place. The same image already there is success.
   */
  importImage(spec: ImageImport): Promise<void>;
  /** The base images an admin put in <imageDir>/base (not the imported ones), for the template picker. */
  listBaseImages(): Promise<HostFile[]>;
  /** SHA-256 of a file in the image directory; null when missing. */
  fileSha256(path: string): Promise<string | null>;
  /** Removes an imported base image; a missing one counts as removed. */
  removeImportedImage(path: string): Promise<void>;
  /** Deletes a file inside the host's image directory (never a base image). */
  removeFile(path: string): Promise<void>;
  fileExists(path: string): Promise<boolean>;
  /**
   * The last `maxBytes` of a file inside the image directory (a serial console log), as text;
   * `truncated` when the file holds more. null when the file does not exist.
   */
  readFileTail(path: string, maxBytes: number): Promise<FileTail | null>;
}

export interface FileTail {
  text: string;
  /** The file held more than was read: the text starts mid-stream. */
  truncated: boolean;
}

import type { DiskUsage } from './libvirt/disk-parse.js';
import type { DomainState, DomainStats, HypervisorVersions, NodeInfo, VncDisplay } from './libvirt/virsh-parse.js';

export type { DiskUsage } from './libvirt/disk-parse.js';
export type { DomainState, DomainStats, HypervisorVersions, NodeInfo, VncDisplay } from './libvirt/virsh-parse.js';

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

export interface HypervisorDriver {
  nodeInfo(): Promise<NodeInfo>;
  versions(): Promise<HypervisorVersions>;
  listDomains(): Promise<string[]>;
  /** null when no such domain is defined. */
  domainState(name: string): Promise<DomainState | null>;
  /** null when no such domain is defined. */
  domainStats(name: string): Promise<DomainStats | null>;
  /** null when the domain is missing or not running (no display). */
  vncDisplay(name: string): Promise<VncDisplay | null>;
  /** Size of, and bytes available to an unprivileged writer on, the filesystem holding `dir`. */
  diskUsage(dir: string): Promise<DiskUsage>;

  createLinkedClone(clone: LinkedClone): Promise<void>;
  defineDomain(xml: string): Promise<void>;
  start(name: string): Promise<void>;
  /** Asks the guest to power off (ACPI) and returns; poll domainState for 'shutoff'. */
  shutdown(name: string): Promise<void>;
  /** Powers the domain off at once. */
  destroy(name: string): Promise<void>;
  /** Removes the definition (not the disks: removeFile them). */
  undefine(name: string): Promise<void>;
  /** Deletes a file inside the host's image directory (never a base image). */
  removeFile(path: string): Promise<void>;
  fileExists(path: string): Promise<boolean>;
}

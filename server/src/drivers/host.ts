import type { ContainerDriver } from './container.js';
import type { HypervisorDriver } from './hypervisor.js';
import type { NetworkDriver } from './network.js';
import type { StorageDriver } from './storage.js';
import type { StreamOpener } from './docker/ssh-docker-agent.js';
import type { CommandRunner } from './ssh/command-runner.js';
import type { SshTarget } from './ssh/ssh-connection.js';

/** A registered host as the drivers see it: how to reach it and what runs on it. */
export interface HostSpec extends SshTarget {
  /** Which platform runs the host, e.g. 'libvirt' (libvirt + Open vSwitch + Docker). */
  kind: string;
  /** Where VM disks live; the drivers never touch files outside it. */
  imageDir?: string;
}

export interface HostDrivers {
  hypervisor: HypervisorDriver;
  network: NetworkDriver;
  containers: ContainerDriver;
  storage: StorageDriver;
}

/** What every driver implementation may use: the SSH pool (commands, and streams to a host's Unix sockets) and the platform's key. */
export interface DriverContext {
  runner: CommandRunner;
  streams: StreamOpener;
  privateKey: Buffer;
}

/** Builds the drivers of one kind of host; one per platform (a strategy). */
export type HostDriverBuilder = (host: HostSpec, context: DriverContext) => HostDrivers;

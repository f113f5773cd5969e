// What the platform asks of a host's container engine, whatever implements it.

export interface ContainerEngineVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernelVersion?: string;
}

export interface ContainerSummary {
  id: string;
  /** Without the leading "/" Docker puts on names. */
  names: string[];
  image: string;
  /** created, running, paused, restarting, removing, exited, dead. */
  state: string;
  /** Human status, e.g. "Up 3 minutes". */
  status: string;
  createdAt: Date;
  labels: Record<string, string>;
}

export interface ImageSummary {
  id: string;
  /** "repo:tag" references; empty for dangling images. */
  tags: string[];
  sizeBytes: number;
  createdAt: Date;
}


/**
 * What the platform creates. The driver turns it into Docker's HostConfig with the isolation a
 * shared host needs; nothing here is a user's JSON passed through.
 */
export interface ContainerSpec {
  /** The container's name on the host (strict pattern, checked by the driver). */
  name: string;
  image: string;
  /** argv; empty or absent: the image's own command. */
  command?: string[];
  env?: Record<string, string>;
  labels: Record<string, string>;
  /** CPU share in thousandths of a CPU (250 = a quarter). */
  cpuMillis: number;
  memoryMiB: number;
  pidsLimit: number;
  /** A platform-made named volume mounted read-write at `volumePath`, the only writable place besides /tmp. */
  volume: { name: string; path: string };
  /** A platform-made network, or 'none' (a NIC added later by a network plugin). */
  network: string;
  hostname?: string;
}

export interface ContainerState {
  /** created, running, paused, restarting, removing, exited, dead. */
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** The main process on the host while it runs (its network namespace is the container's). */
  pid: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string;
  /** The settings the engine applied (read back, so tests check what the host enforces). */
  limits: { memoryBytes: number; memorySwapBytes: number; nanoCpus: number; pidsLimit: number | null; privileged: boolean; readonlyRootfs: boolean; capAdd: string[]; capDrop: string[]; securityOpt: string[]; networkMode: string; binds: string[] };
  labels: Record<string, string>;
}

export interface ContainerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  pids: number;
  at: string;
}

export interface ExecSession {
  /** Raw TTY bytes both ways. */
  stream: NodeJS.ReadWriteStream & { destroy(): void };
  resize(rows: number, cols: number): Promise<void>;
}

export interface ContainerDriver {
  ping(): Promise<void>;
  version(): Promise<ContainerEngineVersion>;
  listContainers(options?: { all?: boolean; label?: string }): Promise<ContainerSummary[]>;
  listImages(): Promise<ImageSummary[]>;
  hasImage(ref: string): Promise<boolean>;
  /** Makes the network if missing (idempotent); internal: no route off the host. */
  ensureNetwork(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes the network unless containers still use it; returns whether it is gone. */
  removeNetwork(name: string): Promise<boolean>;
  listNetworks(label: string): Promise<string[]>;
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  listVolumes(label: string): Promise<string[]>;
  /** Creates the container unless one with this name exists (same labels: fine; other: conflict). */
  createContainer(spec: ContainerSpec): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string, timeoutSeconds: number): Promise<void>;
  restart(name: string, timeoutSeconds: number): Promise<void>;
  /** Force-removes the container; absent is success. */
  remove(name: string): Promise<void>;
  /** null when there is no such container. */
  inspect(name: string): Promise<ContainerState | null>;
  /** The last `tail` lines of stdout and stderr, at most `maxBytes`. */
  logs(name: string, options: { tail: number; maxBytes: number; timestamps?: boolean }): Promise<string>;
  /** A live stream of new log lines (demultiplexed text); close it to stop. */
  followLogs(name: string, options: { tail: number }): Promise<NodeJS.ReadableStream & { destroy(): void }>;
  stats(name: string): Promise<ContainerStats>;
  /** An interactive shell with a TTY (the web terminal). */
  exec(name: string, options: { command: string[]; rows: number; cols: number }): Promise<ExecSession>;
}

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

export interface ContainerDriver {
  ping(): Promise<void>;
  version(): Promise<ContainerEngineVersion>;
  listContainers(options?: { all?: boolean }): Promise<ContainerSummary[]>;
  listImages(): Promise<ImageSummary[]>;
}

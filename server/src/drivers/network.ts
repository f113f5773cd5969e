// What the platform asks of a host's virtual switch, whatever implements it. Mutations are
// idempotent: ensuring what exists and deleting what is gone both succeed.

export interface BridgeInfo {
  name: string;
  /** 'netdev' (userspace datapath), 'system' (kernel) or '' (default). */
  datapathType: string;
  portCount: number;
}

export interface PortInfo {
  name: string;
  /** Access VLAN tag; null when untagged. */
  tag: number | null;
  /** Trunked VLANs; empty when the port is not a trunk. */
  trunks: number[];
}

export interface NetworkDriver {
  /** Resolves when the switch answers; throws the pool's typed errors otherwise. */
  ping(): Promise<void>;
  /** The switch software's version, e.g. "3.1.0". */
  version(): Promise<string>;
  listBridges(): Promise<BridgeInfo[]>;
  ensureBridge(name: string): Promise<void>;
  deleteBridge(name: string): Promise<void>;
  listPorts(bridge: string): Promise<PortInfo[]>;
}

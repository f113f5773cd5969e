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

/** What a hypervisor's ovn-controller set-up says about it (external_ids of Open_vSwitch). */
export interface OvnChassisInfo {
  /** external_ids:system-id, the OVN chassis name; null when the host is not set up for OVN. */
  chassis: string | null;
  encapIp: string | null;
  encapType: string | null;
  /** external_ids:ovn-bridge (ovn-controller's default: br-int). */
  bridge: string;
  /** external_ids:ovn-bridge-datapath-type: 'netdev' (userspace) or 'system' (kernel, the default). */
  datapathType: string;
  /** Whether ovn-controller answers on its control socket. */
  controller: boolean;
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
  /** The host's OVN chassis set-up and whether its ovn-controller answers. */
  ovnChassis(): Promise<OvnChassisInfo>;
}

import type { ContainerPortSpec } from './ovs/container-port.js';

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

/** A container NIC the platform made on a host's OVN bridge (see ovs/container-port.ts). */
export interface ContainerPortInfo {
  /** The OVS port (the host end of the veth). */
  name: string;
  containerId: string;
  /** The OVN logical port it is bound to. */
  ifaceId: string;
  /** The host end is gone (the container stopped: its namespace and the pair went with it). */
  broken: boolean;
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
  /** A container's NIC on the OVN bridge, bound to its logical port. Idempotent. */
  attachContainerPort(spec: ContainerPortSpec): Promise<void>;
  /** Removes a container NIC's port; absent is success. */
  detachContainerPort(bridge: string, ifaceId: string): Promise<void>;
  listContainerPorts(): Promise<ContainerPortInfo[]>;
}

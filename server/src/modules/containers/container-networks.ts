import { errors } from '../../platform/errors.js';
import type { HostRow } from '../hosts/host-connections.js';

// How a container is networked: the seam the private-networks capability plugs into.
//
// Until it does, every owner gets one Docker bridge network per host, internal (no route off
// the host; the owner's containers on that host reach each other, nothing else), and
// `networkIds` is refused. The networks module replaces this with `registerContainerNetworks`:
// `dockerNetwork` answers 'none' and `attach` gives the running container a NIC that is an OVS
// port on br-int bound to the OVN logical port the platform allocated (Debian's `ovs-docker
// add-port br-int eth0 <container>`, then `ovs-vsctl set interface <port>
// external_ids:iface-id=lsp-<id>`, TX offload off in the container's namespace), with the
// same IPAM and security groups as a VM's NIC. `detach` undoes it before the container goes.

export interface AttachContext {
  host: HostRow;
  containerId: string;
  ownerId: string;
  /** The container's name on the host. */
  dockerName: string;
  networkIds: string[];
}

export interface ContainerNetworks {
  /** Refuses (4xx) networks the owner may not join, before anything is reserved. */
  check(ownerId: string, networkIds: string[]): Promise<void>;
  /** Docker's network for the container at creation: a platform-made one, or 'none'. */
  dockerNetwork(ownerId: string, networkIds: string[]): string | 'none';
  /** After the container runs (again): its NICs. Idempotent. */
  attach?(ctx: AttachContext): Promise<void>;
  /** Before the container is removed. Idempotent. */
  detach?(ctx: AttachContext): Promise<void>;
}

/** The per-owner, host-internal Docker network (named after the owner id). */
export const ownerNetworkName = (ownerId: string) => `ccnet-${ownerId}`;

const hostInternal: ContainerNetworks = {
  async check(_ownerId, networkIds) {
    if (networkIds.length) {
      throw errors.validation([{ path: 'body.networkIds', message: 'joining private networks is not available on this platform yet; leave it out (containers get a network of their own on their host)' }], 'body');
    }
  },
  dockerNetwork: (ownerId) => ownerNetworkName(ownerId),
};

let current: ContainerNetworks = hostInternal;

export const containerNetworks = (): ContainerNetworks => current;

/** The networks capability installs itself here. */
export function registerContainerNetworks(impl: ContainerNetworks): void {
  current = impl;
}

import type { Tx } from '../../platform/db.js';
import { errors } from '../../platform/errors.js';
import type { Host } from '../../generated/prisma/client.js';
import { driversFor } from '../hosts/host-connections.js';

// How a container is networked: the seam the private-networks capability plugs into
// (modules/networks/container-nics.ts registers itself here; app.ts imports it once).
//
// Built in (and what a container made while a site had no OVN keeps): every owner gets one
// Docker bridge network per host, internal (no route off the host; the owner's containers on
// that host reach each other, nothing else). With the networks capability a container is on
// the owner's private networks like a VM: NICs from the same IPAM, OVN logical ports made by
// the create's `network` step, Docker network 'none', and after every start an OVS port on the
// host's integration bridge bound to each logical port (Debian's ovs-docker mechanics).

export interface AttachContext {
  host: Host;
  containerId: string;
  ownerId: string;
  /** The container's name on the host. */
  dockerName: string;
}

/** What `plan` decided before the create's transaction: private networks (which), or not. */
export interface NetworkPlan { private: boolean; networkIds: string[] }

export interface ContainerNetworks {
  /** Before anything is reserved, outside any transaction: refuses (4xx) what cannot be joined. */
  plan(ownerId: string, networkIds: string[]): Promise<NetworkPlan>;
  /** In the create's transaction, before placement: the hosts that can carry it. */
  placeable<H extends { id: string; name: string }>(tx: Tx, hosts: H[], zone: string, plan: NetworkPlan): Promise<H[]>;
  /** In the create's transaction, once the row exists: its addresses (held from now on). */
  allocate(tx: Tx, ownerId: string, containerId: string, plan: NetworkPlan): Promise<void>;
  /** Docker's network at creation: a platform-made one, or 'none' (NICs come from `attach`). */
  dockerNetwork(ctx: AttachContext): Promise<string | 'none'>;
  /** The create's `network` step: what the container's NICs need off the host. Idempotent. */
  prepare(ctx: AttachContext): Promise<void>;
  /** Undoes `prepare` (compensation, and the delete's `network` step). Idempotent. */
  unprepare(ctx: AttachContext): Promise<void>;
  /** After the container runs (again): its NICs inside it. Idempotent. */
  attach(ctx: AttachContext): Promise<void>;
  /** After it stopped and before it is removed: its NICs' host ends. Idempotent. */
  detach(ctx: AttachContext): Promise<void>;
  /** In the delete's last transaction: its addresses are free again. */
  release(tx: Tx, containerId: string): Promise<void>;
}

/** The per-owner, host-internal Docker network (named after the owner id). */
export const ownerNetworkName = (ownerId: string) => `ccnet-${ownerId}`;
export const LABEL_OWNER = 'campus.owner';
export const LABEL_MANAGED = 'campus.managed';
export const ownerNetworkLabels = (ownerId: string) => ({ [LABEL_OWNER]: ownerId, [LABEL_MANAGED]: 'true' });

export const hostInternalNetworks: ContainerNetworks = {
  async plan(_ownerId, networkIds) {
    if (networkIds.length) {
      throw errors.validation([{ path: 'body.networkIds', message: 'private networks are not set up on this site yet; leave it out (the container gets a network of its own on its host)' }], 'body');
    }
    return { private: false, networkIds: [] };
  },
  placeable: async (_tx, hosts) => hosts,
  allocate: async () => undefined,
  dockerNetwork: async (ctx) => ownerNetworkName(ctx.ownerId),
  async prepare(ctx) {
    await (await driversFor(ctx.host)).containers.ensureNetwork(ownerNetworkName(ctx.ownerId), ownerNetworkLabels(ctx.ownerId));
  },
  // Only goes when no other container of the owner uses it (the driver says so).
  async unprepare(ctx) {
    await (await driversFor(ctx.host)).containers.removeNetwork(ownerNetworkName(ctx.ownerId));
  },
  attach: async () => undefined,
  detach: async () => undefined,
  release: async () => undefined,
};

let current: ContainerNetworks = hostInternalNetworks;

export const containerNetworks = (): ContainerNetworks => current;

/** The networks capability installs itself here. */
export function registerContainerNetworks(impl: ContainerNetworks): void {
  current = impl;
}

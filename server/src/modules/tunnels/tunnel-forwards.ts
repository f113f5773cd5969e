import { auditSystemAction } from '../../platform/audit.js';
import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { deleteTunnelRow, type TunnelRow } from './tunnel-store.js';

// Port forwards to cloud resources (`kind: "forward"`, and `kind: "http"` with a vmId or a
// containerId) live on
// the user's OVN router: a load balancer `lb-<tunnelId>` on the router's external address and
// the security-group rule that lets it in. The networks module owns routers, so it plugs in
// here; until it does, such tunnels are refused in words (409) and nothing is reserved.

export interface ForwardProvider {
  /** Makes the forward exist on the hosts (idempotent); returns the address users reach it at. */
  open(tunnel: TunnelRow): Promise<{ address: string }>;
  /** Removes it (idempotent: gone already is fine). */
  close(tunnel: TunnelRow): Promise<void>;
  /** Where the HTTP front sends a named tunnel to a VM or a container: `http://<address>:<port>`. */
  httpTarget(tunnel: TunnelRow): Promise<string>;
  /** The address the owner's forwards are published on (their router's), or null before they have one. */
  publicHost(ownerId: string): Promise<string | null>;
}

let provider: ForwardProvider | undefined;

export function registerForwardProvider(p: ForwardProvider): void {
  provider = p;
}

export function forwardProvider(): ForwardProvider {
  if (!provider) {
    // 409, not 503: nothing is down, the site does not offer it yet (the API answers no 5xx for a state it knows).
    throw new AppError('CONFLICT', 'Port forwards to VMs need private networks, which this site does not offer yet; publish the service with a reverse tunnel (ssh -R) instead.', { kind: 'forward', reason: 'no-networks' });
  }
  return provider;
}

export const forwardsAvailable = (): boolean => provider !== undefined;

/** Whether the tunnel publishes a port of a VM or a container (a forward on the owner's router). */
export const publishesPort = (t: Pick<TunnelRow, 'vmId' | 'containerId'>): boolean => Boolean(t.vmId ?? t.containerId);

/** Where each owner's forwards are published, for the owners of the forwards among these rows. */
export async function forwardHosts(rows: Pick<TunnelRow, 'kind' | 'vmId' | 'containerId' | 'ownerId'>[]): Promise<Map<string, string>> {
  const hosts = new Map<string, string>();
  if (!provider) return hosts;
  for (const ownerId of new Set(rows.filter((r) => r.kind === 'forward' && publishesPort(r)).map((r) => r.ownerId))) {
    const host = await provider.publicHost(ownerId);
    if (host) hosts.set(ownerId, host);
  }
  return hosts;
}

/** The VM and container delete sagas call this before the VM or container goes: every tunnel to it closes. */
export async function closeForwardsOf(target: { vmId: string } | { containerId: string }): Promise<number> {
  const rows = await db.tunnel.findMany({ where: target });
  const reason = 'vmId' in target ? 'vm-deleted' : 'container-deleted';
  for (const t of rows) {
    if (provider) await provider.close(t);
    if (await deleteTunnelRow(t.id)) await auditSystemAction({ action: 'tunnel.close', targetType: 'tunnel', targetId: t.id, details: { reason, ...target, kind: t.kind } });
  }
  return rows.length;
}

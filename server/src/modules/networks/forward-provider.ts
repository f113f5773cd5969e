import { db } from '../../platform/db.js';
import { registerForwardProvider } from '../tunnels/tunnel-forwards.js';
import type { TunnelRow } from '../tunnels/tunnel-store.js';
import { addPortForward, removePortForward, type PortForward } from './port-forwards.js';

// Plugs the networks module into the tunnels module: a tunnel to a VM's or a container's port
// is an OVN load balancer on the owner's router, from <router external address>:<tunnel port>
// to that port (port-forwards.ts). Imported once by app.ts.

function forwardOf(t: TunnelRow): PortForward {
  const target = t.vmId ? { vmId: t.vmId } : t.containerId ? { containerId: t.containerId } : null;
  if (!target || !t.port) throw new Error(`tunnel ${t.id} is not a forward to a VM or a container (vmId or containerId, and port are needed)`);
  return { tunnelId: t.id, ownerId: t.ownerId, target, targetPort: t.targetPort ?? 80, publicPort: t.port };
}

registerForwardProvider({
  // One tunnel per VM or container port is the database's rule (a unique index; tunnels.service
  // answers the race with a 409): the forward's ACL matches the target's address and port.
  open: (t) => addPortForward(forwardOf(t)),
  close: (t) => removePortForward(t.id),
  async httpTarget(t) {
    const router = await db.networkRouter.findUnique({ where: { userId: t.ownerId } });
    if (!router || !t.port) throw new Error(`tunnel ${t.id}: its owner has no router, so the forward is not open`);
    return `http://${router.externalIp}:${t.port}`;
  },
  async publicHost(ownerId) {
    return (await db.networkRouter.findUnique({ where: { userId: ownerId }, select: { externalIp: true } }))?.externalIp ?? null;
  },
});

import { z } from 'zod';
import { nameProblem } from './tunnel-names.js';

export const TunnelName = z.string().max(63).superRefine((v, ctx) => {
  const p = nameProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});
const Port = z.number().int('a whole number').min(1, 'between 1 and 65535').max(65535, 'between 1 and 65535');

export const CreateTunnelBody = z.discriminatedUnion('kind', [
  /** Reserve a public port for `ssh -R <port>:localhost:<local>`; omit the port for any of yours. */
  z.object({ kind: z.literal('reverse'), port: Port.optional() }).strict(),
  /** Reserve a name: `ssh -R <name>:80:localhost:<local>`, or, with vmId or containerId, that one's port by name. */
  z.object({ kind: z.literal('http'), name: TunnelName, vmId: z.uuid().optional(), containerId: z.uuid().optional(), targetPort: Port.optional() }).strict(),
  /** A public port forwarded to a VM's or a container's port (needs private networks): exactly one of vmId and containerId. */
  z.object({ kind: z.literal('forward'), vmId: z.uuid().optional(), containerId: z.uuid().optional(), nicId: z.uuid().optional(), targetPort: Port, protocol: z.literal('tcp').default('tcp') }).strict(),
]).superRefine((b, ctx) => {
  if (b.kind === 'reverse') return;
  if (b.vmId && b.containerId) ctx.addIssue({ code: 'custom', path: ['containerId'], message: 'a tunnel targets a VM or a container, not both' });
  else if (b.kind === 'forward' && !b.vmId && !b.containerId) ctx.addIssue({ code: 'custom', path: ['vmId'], message: 'a forward needs a VM (vmId) or a container (containerId)' });
});
export type CreateTunnelBody = z.infer<typeof CreateTunnelBody>;

export const TunnelIdParams = z.object({ id: z.uuid('not a tunnel id') });

export const TunnelDto = z.object({
  id: z.string(), kind: z.enum(['reverse', 'http', 'frp', 'forward']), state: z.enum(['reserved', 'active']), live: z.boolean(),
  name: z.string().nullable(), port: z.number().nullable(), url: z.string().nullable(), address: z.string().nullable(),
  command: z.string().nullable().describe('What to run on the machine that holds the service'),
  vmId: z.string().nullable(), containerId: z.string().nullable(), targetPort: z.number().nullable(), frpProxyName: z.string().nullable(),
  bandwidthLimit: z.number(), bytesIn: z.number(), bytesOut: z.number(), connections: z.number(), totalConnections: z.number(),
  clientAddress: z.string().nullable(), connectedAt: z.string().nullable(), lastActiveAt: z.string().nullable(),
  reservedUntil: z.string().nullable(), createdAt: z.string(),
  owner: z.object({ id: z.string(), email: z.string() }).optional(),
});
export type TunnelDto = z.infer<typeof TunnelDto>;

export const GatewayInfo = z.object({ host: z.string(), port: z.number(), fingerprint: z.string().nullable(), appsDomain: z.string(), appsPort: z.number() });

export const TunnelList = z.object({
  items: z.array(TunnelDto),
  quota: z.object({ max: z.number(), used: z.number() }),
  range: z.object({ start: z.number(), end: z.number() }).nullable(),
  gateway: GatewayInfo,
  forwardsAvailable: z.boolean(),
});

export const AdminTunnelList = z.object({ items: z.array(TunnelDto) });
export const AdminTunnelQuery = z.object({ q: z.string().max(254).optional() });
export const TunnelQuotaBody = z.object({ maxTunnels: z.number().int().min(0).max(1000) }).strict();
export const TunnelQuota = z.object({ maxTunnels: z.number(), usedTunnels: z.number() });
export const UserIdParams = z.object({ userId: z.uuid('not a user id') });

export const TunnelKeyBody = z.object({
  name: z.string().trim().min(1).max(80),
  publicKey: z.string().trim().min(20).max(8192, 'an SSH public key is far shorter'),
}).strict();
export const TunnelKeyDto = z.object({ id: z.string(), name: z.string(), type: z.string(), fingerprint: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });
export const TunnelKeyList = z.object({ items: z.array(TunnelKeyDto), gateway: GatewayInfo });

import { z } from 'zod';

// The contract of private networks: requests are validated here, and the same schemas make the
// OpenAPI document. CIDRs are checked in words by the service (ipam.ts), after this shape check.

export const NetworkName = z.string().trim().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes; starts with a letter, does not end with a dash (max 63)');
const CidrText = z.string().trim().max(18, 'a CIDR like 10.20.0.0/24');

export const CreateNetworkBody = z.object({
  name: NetworkName,
  cidr: CidrText.optional().describe('Optional: the platform suggests a free /24 from its pool'),
}).strict();
export const UpdateNetworkBody = z.object({ name: NetworkName }).strict();
export const NetworkIdParams = z.object({ id: z.uuid('not a network id') });
export const NicParams = z.object({ id: z.uuid('not a VM id'), nicId: z.uuid('not a NIC id') });
export const AttachNicBody = z.object({ networkId: z.uuid('not a network id').describe('One of my networks the VM is not on yet') });
export const RuleParams = z.object({ id: z.uuid('not a network id'), ruleId: z.uuid('not a rule id') });

export const RuleProtocol = z.enum(['tcp', 'udp', 'icmp', 'any']);
export const CreateRuleBody = z.object({
  protocol: RuleProtocol,
  portFrom: z.number().int().min(1).max(65535).optional(),
  portTo: z.number().int().min(1).max(65535).optional(),
  sourceCidr: z.string().trim().max(18).describe('Who may connect: a CIDR such as 10.200.1.0/24, or 0.0.0.0/0 for anyone'),
}).strict()
  .refine((r) => r.portFrom === undefined || r.protocol === 'tcp' || r.protocol === 'udp', { message: 'ports apply to tcp and udp only', path: ['portFrom'] })
  .refine((r) => r.portTo === undefined || r.portFrom !== undefined, { message: 'give portFrom with portTo', path: ['portTo'] })
  .refine((r) => r.portTo === undefined || r.portFrom === undefined || r.portTo >= r.portFrom, { message: 'portTo must not be below portFrom', path: ['portTo'] })
  .refine((r) => r.portTo === undefined || r.portFrom === undefined || r.portTo - r.portFrom <= 1000, { message: 'a range spans at most 1000 ports', path: ['portTo'] });

export const Rule = z.object({
  id: z.string(), protocol: RuleProtocol, portFrom: z.number().int().nullable(), portTo: z.number().int().nullable(), sourceCidr: z.string(), createdAt: z.string(),
});
/** A port of a network: a VM's NIC or a container's (the other pair of fields is null). */
export const NetworkPort = z.object({
  nicId: z.string(), vmId: z.string().nullable(), vmName: z.string().nullable(), containerId: z.string().nullable(), containerName: z.string().nullable(),
  mac: z.string(), ip: z.string(), hostName: z.string().nullable(),
});
/** A rule added or removed: the change reaches OVN through the operation. */
export const RuleAdded = z.object({ rule: Rule, operationId: z.string() });
export const RuleRemoved = z.object({ operationId: z.string() });
export const NetworkState = z.enum(['creating', 'ready', 'deleting', 'error']);
export const Network = z.object({
  id: z.string(), name: z.string(), cidr: z.string(), gateway: z.string(), isDefault: z.boolean(), state: NetworkState,
  lastError: z.string().nullable(), currentOperationId: z.string().nullable(), createdAt: z.string(),
  portCount: z.number().int(),
});
export const NetworkDetail = Network.extend({ ports: z.array(NetworkPort), rules: z.array(Rule), externalIp: z.string().nullable().describe("The user's router address on the external network (SNAT source)") });
export const NetworkList = z.object({ items: z.array(Network), quota: z.object({ max: z.number().int(), used: z.number().int() }) });
export const NetworkResponse = z.object({ network: NetworkDetail });
export const NetworkAccepted = z.object({ network: Network, operation: z.object({ id: z.string(), kind: z.string(), state: z.string() }) });

export const AdminNetwork = Network.extend({ ownerId: z.string(), ownerEmail: z.string(), ports: z.array(NetworkPort) });
export const AdminNetworkList = z.object({
  items: z.array(AdminNetwork),
  external: z.object({ cidr: z.string(), gateway: z.string(), gatewayChassis: z.string(), physnet: z.string(), centralHost: z.string().nullable() }),
});

export type CreateNetworkInput = z.infer<typeof CreateNetworkBody>;
export type CreateRuleInput = z.infer<typeof CreateRuleBody>;
export type NetworkDto = z.infer<typeof Network>;

export const VmNic = z.object({
  id: z.string(), networkId: z.string(), networkName: z.string(), cidr: z.string(), gateway: z.string(), mac: z.string(), ip: z.string(),
  guestIps: z.array(z.string()).nullable().describe('What the guest itself reports through the QEMU guest agent; null without an answering agent'),
  reach: z.string().describe('How to reach it, in words a user can copy'),
});
export const VmNicList = z.object({ items: z.array(VmNic), externalIp: z.string().nullable() });

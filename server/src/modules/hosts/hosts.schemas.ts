import { z } from 'zod';

// Names that reach a host's command line or a libvirt object are held to strict patterns here,
// before the drivers check them again.
const Name = z.string().trim().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter (max 63)');
const Hostname = z.string().regex(/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/);
export const HostAddress = z.string().trim().pipe(z.union([z.ipv4(), z.ipv6(), Hostname], { error: 'an IPv4/IPv6 address or a host name' }));
const SshUser = z.string().trim().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Unix user name');

export const RegisterHostBody = z.object({
  name: Name,
  address: HostAddress,
  port: z.number().int().min(1).max(65535).default(22),
  sshUser: SshUser.default('root'),
  zone: Name.default('default'),
}).strict();

export const UpdateHostBody = z.object({
  maintenance: z.boolean().optional(), zone: Name.optional(),
  ovnCentral: z.boolean().optional().describe("This host holds OVN's northbound database (one per site; setting it moves the role)"),
})
  .strict()
  .refine((b) => b.maintenance !== undefined || b.zone !== undefined || b.ovnCentral !== undefined, 'give maintenance, zone or ovnCentral');

export const HostIdParams = z.object({ id: z.uuid('not a host id') });

const n = z.number().nullable();
export const Host = z.object({
  id: z.string(), name: z.string(), address: z.string(), port: z.number().int(), sshUser: z.string(), zone: z.string(),
  kind: z.enum(['libvirt']),
  status: z.enum(['pending', 'ready', 'error', 'unreachable']),
  statusReason: z.string().nullable().describe('Why the host is not ready (or what is degraded), in words'),
  maintenance: z.boolean(),
  hostKeySha256: z.string().nullable().describe('The pinned SSH host key (SHA256:...)'),
  presentedHostKey: z.string().nullable().describe('A different key the host presented, awaiting approval'),
  capacity: z.object({ cpus: n, memoryMiB: n, diskTotalBytes: n, diskFreeBytes: n }),
  versions: z.object({ libvirt: z.string().nullable(), qemu: z.string().nullable(), ovs: z.string().nullable(), docker: z.string().nullable() }),
  services: z.object({ libvirt: z.boolean(), ovs: z.boolean(), docker: z.boolean() }).nullable(),
  ovn: z.object({
    chassis: z.string().nullable(), encapIp: z.string().nullable(), encapType: z.string().nullable(), bridge: z.string(), datapathType: z.string(), controller: z.boolean(),
  }).nullable().describe('OVN chassis set-up and whether ovn-controller answers'),
  ovnCentral: z.boolean().describe("Holds OVN's northbound database"),
  lastProbeAt: z.string().nullable(), lastSeenAt: z.string().nullable(), createdAt: z.string(),
});
export const HostResponse = z.object({ host: Host });
export const HostList = z.object({ items: z.array(Host) });
export const SshKeyResponse = z.object({
  publicKey: z.string(), fingerprint: z.string(),
  installCommand: z.string().describe('Run on the host as the SSH user to authorise the platform'),
});

export type HostDto = z.infer<typeof Host>;
export type RegisterHostInput = z.infer<typeof RegisterHostBody>;

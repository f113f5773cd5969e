import { z } from 'zod';
import { HostIdParams } from '../hosts/hosts.schemas.js';

// The admin's view of the platform: what each host holds against what it has, who uses it,
// what failed lately and what reconciliation found; and what runs where.

export { HostIdParams };

const HostStatus = z.enum(['pending', 'ready', 'error', 'unreachable']);

export const HostLoadSummary = z.object({
  id: z.string(), name: z.string(), zone: z.string(), status: HostStatus, statusReason: z.string().nullable(), maintenance: z.boolean(),
  capacity: z.object({ vcpus: z.number().nullable(), memoryMiB: z.number().nullable(), diskGiB: z.number().nullable() }).describe('What the host has (null until probed)'),
  allocated: z.object({ vcpus: z.number(), memoryMiB: z.number(), diskGiB: z.number() }).describe('What VMs, containers and stored snapshots on it hold'),
  vms: z.number().int(), containers: z.number().int(),
});

export const FailedOperation = z.object({
  id: z.string(), kind: z.string(), targetType: z.string(), targetId: z.string(), targetName: z.string().nullable(), ownerEmail: z.string().nullable(),
  error: z.string().nullable(), errorDetail: z.string().nullable().describe('The host\'s own words: host, command, exit code, stderr'), finishedAt: z.string().nullable(),
});

export const OpenFinding = z.object({ id: z.string(), kind: z.string(), hostName: z.string().nullable(), domainName: z.string(), message: z.string(), createdAt: z.string() });

export const AdminOverview = z.object({
  hosts: z.object({ total: z.number().int(), up: z.number().int(), down: z.number().int(), pending: z.number().int(), maintenance: z.number().int(), items: z.array(HostLoadSummary) }),
  users: z.object({ total: z.number().int(), admins: z.number().int(), disabled: z.number().int(), onTrial: z.number().int(), trialEnded: z.number().int(), newThisWeek: z.number().int() }),
  resources: z.object({
    vms: z.number().int(), vmsRunning: z.number().int(), containers: z.number().int(), containersRunning: z.number().int(),
    networks: z.number().int(), tunnels: z.number().int(),
  }),
  failedOperations: z.object({ last24h: z.number().int(), items: z.array(FailedOperation).describe('The newest ten') }),
  findings: z.object({ open: z.number().int(), items: z.array(OpenFinding).describe('The newest five') }),
});

const Instance = z.object({
  kind: z.enum(['vm', 'container']), id: z.string(), name: z.string(), state: z.string(), ownerId: z.string(), ownerEmail: z.string(),
  vcpus: z.number(), memoryMiB: z.number().int(), diskGiB: z.number().int(), createdAt: z.string(),
});

export const HostInstances = z.object({ host: HostLoadSummary, items: z.array(Instance) });

export const ResourceTree = z.object({
  zones: z.array(z.object({
    zone: z.string(),
    hosts: z.array(HostLoadSummary.pick({ id: true, name: true, status: true, maintenance: true }).extend({ instances: z.array(Instance.pick({ kind: true, id: true, name: true, state: true, ownerEmail: true })) })),
  })),
});

export type HostLoadSummaryDto = z.infer<typeof HostLoadSummary>;
export type InstanceDto = z.infer<typeof Instance>;
export type AdminOverviewDto = z.infer<typeof AdminOverview>;

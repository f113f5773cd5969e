import { z } from 'zod';
import { pageQuery, QuotaNumbers } from '../users/users.schemas.js';

// RFC 1123 host label: the name becomes the guest's hostname.
export const VmName = z.string().trim().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes; starts with a letter, does not end with a dash (max 63)');
// One OpenSSH public key line; no newlines, nothing that could break the cloud-config.
const SshPublicKey = z.string().trim().max(8192)
  .regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n\u0000]{0,200})?$/, 'one OpenSSH public key line (ssh-ed25519 AAAA... comment)');

export const CreateVmBody = z.object({
  name: VmName,
  templateId: z.uuid('not a template id'),
  vcpus: z.number().int().min(1).max(16),
  memoryMiB: z.number().int().min(64).max(65_536).refine((m) => m % 64 === 0, 'a multiple of 64'),
  diskGiB: z.number().int().min(1).max(2048),
  sshPublicKey: SshPublicKey.optional().describe('A one-off key, pasted'),
  keyIds: z.array(z.uuid('not a key id')).max(10).optional().describe('Saved key pairs (GET /api/me/keys) to put in the seed too'),
  networkIds: z.array(z.uuid('not a network id')).min(1).max(4).optional().describe('Private networks for its NICs (default: my default network, made on first use)'),
}).strict();

export const DeleteVmQuery = z.object({ volumes: z.enum(['keep', 'delete']).default('keep').describe('Attached volumes: kept (detached, data intact) or deleted with the VM') }).strict();
export const VmAction = z.enum(['start', 'shutdown', 'poweroff', 'reboot']);
export const VmActionBody = z.object({ action: VmAction }).strict();
export const VmIdParams = z.object({ id: z.uuid('not a VM id') });
export const OperationIdParams = z.object({ id: z.uuid('not an operation id') });
export const OperationWaitQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).optional()
    .describe('Hold the answer until the operation ends or this many milliseconds pass (a long poll instead of polling)'),
});

export const VmState = z.enum(['creating', 'starting', 'running', 'stopping', 'stopped', 'rebooting', 'deleting', 'error', 'deleted']);
export const Vm = z.object({
  id: z.string(), name: z.string(), state: VmState, templateId: z.string().nullable(), templateName: z.string(),
  vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int(),
  hostName: z.string().nullable(), creditsPerHour: z.number().int().describe('Credits an hour while it runs'),
  stoppedCreditsPerHour: z.number().int().describe('Credits an hour while it is stopped: its disk only'), createdAt: z.string(),
  currentOperationId: z.string().nullable(), lastError: z.string().nullable(),
  stoppedBy: z.object({ reason: z.enum(['credits', 'trial', 'disabled']), at: z.string() }).nullable()
    .describe('Set when the platform, not the owner, shut the VM down, and why'),
});
export const Step = z.object({
  name: z.string(), state: z.enum(['pending', 'running', 'retrying', 'done', 'failed', 'compensated']),
  startedAt: z.string().nullable(), finishedAt: z.string().nullable(), error: z.string().nullable(),
  detail: z.string().nullable().optional().describe('Administrators only: the failure as the host reported it'),
  progress: z.object({ done: z.number(), total: z.number(), detail: z.string().optional() }).optional(),
  attempt: z.number().int().optional().describe('The run of the operation that last tried the step again after it failed; absent if it never failed'),
});
export const Operation = z.object({
  id: z.string(), kind: z.string(), targetId: z.string(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'compensated']),
  steps: z.array(Step), error: z.string().nullable().describe('A sentence and a reference (the operation id) to quote to an administrator'),
  errorDetail: z.string().nullable().describe('Administrators only (null for others): host, command, exit code, stderr'),
  createdAt: z.string(), finishedAt: z.string().nullable(),
  attempts: z.number().int().describe('Runs so far: above 1 while running, a step failed and is being retried'),
  startedBy: z.object({
    kind: z.enum(['user', 'admin', 'platform']),
    userId: z.string().nullable(), name: z.string().nullable(),
    reason: z.string().nullable().describe("An admin's words, or the platform's code: credits, trial, trial-extended, trial-deleted"),
  }).nullable().describe('Who or what started it; null on operations made before this was recorded'),
});
// What an administrator sees and sends: every VM with its owner and host; actions carry the
// reason the owner reads in the VM's task log and in the notification.
export const AdminReason = z.string().trim().min(1, 'say why in a few words, or leave it out').max(300, 'at most 300 characters')
  .describe("Why, in the admin's words: the owner reads it in the VM's task log and in the notification");
export const AdminVmActionBody = z.object({ action: VmAction, reason: AdminReason.optional() }).strict();
export const AdminVmDeleteBody = z.object({ reason: AdminReason.optional() }).strict();
export const AdminVmsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100),
  cursor: z.string().max(200).optional().describe("The previous page's nextCursor"),
});
export const AdminVm = Vm.extend({ ownerEmail: z.string() });
export const AdminVmPage = z.object({ items: z.array(AdminVm), nextCursor: z.string().nullable().describe('Absent (null) on the last page') });
export const AdminVmDetail = AdminVm.extend({
  ownerId: z.string(), ownerName: z.string(), hostId: z.string().nullable(),
  addresses: z.array(z.object({ networkId: z.string(), networkName: z.string(), cidr: z.string(), mac: z.string(), ip: z.string() }))
    .describe("The VM's NICs and their addresses on its owner's private networks, as the platform assigned them"),
});
export const AdminVmResponse = z.object({ vm: AdminVmDetail });
export const VmResponse = z.object({ vm: Vm });
export const VmList = z.object({ items: z.array(Vm) });
export const VmAccepted = z.object({ vm: Vm, operation: Operation });
export const OperationResponse = z.object({ operation: Operation });
export const OperationList = z.object({ items: z.array(Operation) });
export const ActivityQuery = z.object({ ...pageQuery });
export const ActivityItem = Operation.extend({
  targetType: z.string().describe('vm, template'),
  targetName: z.string().nullable().describe('The name of what it was about'),
});
export const ActivityPage = z.object({ items: z.array(ActivityItem), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const Pricing = z.object({ creditsPerVcpuHour: z.number(), creditsPerGiBMemoryHour: z.number(), creditsPerTenGiBDiskHour: z.number() });
export const QuotaOverview = z.object({
  limits: QuotaNumbers, used: QuotaNumbers, headroom: QuotaNumbers,
  pricing: Pricing,
  credits: z.object({ balance: z.number().int(), perHour: z.number().int().describe('What the VMs and containers cost each hour now') }),
});

export type VmDto = z.infer<typeof Vm>;
export type OperationDto = z.infer<typeof Operation>;
export type ActivityItem = z.infer<typeof ActivityItem>;
export type CreateVmInput = z.infer<typeof CreateVmBody>;
export type VmActionName = z.infer<typeof VmAction>;
export type AdminVmDetailDto = z.infer<typeof AdminVmDetail>;

export const ResizeVmBody = z.object({
  vcpus: z.number().int().min(1).max(16).optional(),
  memoryMiB: z.number().int().min(64).max(65_536).refine((m) => m % 64 === 0, 'a multiple of 64').optional(),
  diskGiB: z.number().int().min(1).max(2048).optional(),
}).strict().refine((b) => b.vcpus !== undefined || b.memoryMiB !== undefined || b.diskGiB !== undefined, 'give vcpus, memoryMiB or diskGiB');
export const SnapshotName = z.string().trim().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter');
export const CreateSnapshotBody = z.object({ name: SnapshotName }).strict();
export const SnapshotParams = z.object({ id: z.uuid('not a VM id'), name: SnapshotName });
export const SnapshotList = z.object({
  items: z.array(z.object({
    name: z.string(), createdAt: z.string(), state: z.string().describe('running: it holds RAM, and a revert starts the VM'),
    vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int().describe("The VM's size when taken: a revert needs the same size"),
    chargedGiB: z.number().int().describe('What it counts against the disk quota'),
  })),
});

import { z } from 'zod';

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
  sshPublicKey: SshPublicKey.optional(),
}).strict();

export const VmAction = z.enum(['start', 'shutdown', 'poweroff', 'reboot']);
export const VmActionBody = z.object({ action: VmAction }).strict();
export const VmIdParams = z.object({ id: z.uuid('not a VM id') });
export const OperationIdParams = z.object({ id: z.uuid('not an operation id') });

export const VmState = z.enum(['creating', 'starting', 'running', 'stopping', 'stopped', 'rebooting', 'deleting', 'error', 'deleted']);
export const Vm = z.object({
  id: z.string(), name: z.string(), state: VmState, templateId: z.string().nullable(), templateName: z.string(),
  vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int(),
  hostName: z.string().nullable(), creditsPerHour: z.number().int(), createdAt: z.string(),
  currentOperationId: z.string().nullable(), lastError: z.string().nullable(),
  stoppedBy: z.object({ reason: z.enum(['credits', 'trial', 'disabled']), at: z.string() }).nullable()
    .describe('Set when the platform, not the owner, shut the VM down, and why'),
});
export const Step = z.object({
  name: z.string(), state: z.enum(['pending', 'running', 'done', 'failed', 'compensated']),
  startedAt: z.string().nullable(), finishedAt: z.string().nullable(), error: z.string().nullable(),
  detail: z.string().nullable().optional().describe('Administrators only: the failure as the host reported it'),
  progress: z.object({ done: z.number(), total: z.number(), detail: z.string().optional() }).optional(),
});
export const Operation = z.object({
  id: z.string(), kind: z.string(), targetId: z.string(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'compensated']),
  steps: z.array(Step), error: z.string().nullable().describe('A sentence and a reference (the operation id) to quote to an administrator'),
  errorDetail: z.string().nullable().describe('Administrators only (null for others): host, command, exit code, stderr'),
  createdAt: z.string(), finishedAt: z.string().nullable(),
});
export const VmResponse = z.object({ vm: Vm });
export const VmList = z.object({ items: z.array(Vm) });
export const VmAccepted = z.object({ vm: Vm, operation: Operation });
export const OperationResponse = z.object({ operation: Operation });
export const OperationList = z.object({ items: z.array(Operation) });

export const QuotaNumbers = z.object({ vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int(), vms: z.number().int() });
export const QuotaOverview = z.object({
  limits: QuotaNumbers, used: QuotaNumbers, headroom: QuotaNumbers,
  pricing: z.object({ creditsPerVcpuHour: z.number(), creditsPerGiBMemoryHour: z.number(), creditsPerTenGiBDiskHour: z.number() }),
  credits: z.object({ balance: z.number().int(), perHour: z.number().int().describe('What the VMs cost each hour now') }),
});

export type VmDto = z.infer<typeof Vm>;
export type OperationDto = z.infer<typeof Operation>;
export type CreateVmInput = z.infer<typeof CreateVmBody>;
export type VmActionName = z.infer<typeof VmAction>;

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

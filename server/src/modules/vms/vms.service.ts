import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { createOperation, enqueueOperation, waitForOperationEnd, type OperationInitiator, type OperationInput } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Host, Operation as OperationRow, Vm as VmRow } from '../../generated/prisma/client.js';
import type { VmState } from '../../generated/prisma/enums.js';
import { applyCredit } from '../credits/credits.service.js';
import { publishChange } from '../notifications/notifications.service.js';
import { keyLines } from '../keypairs/keypairs.service.js';
import { creditsPerHour, reserveQuota, stoppedCreditsPerHour } from '../quotas/quotas.service.js';
import { registerHostResourceCounter } from '../hosts/hosts.service.js';
import { lockedHostLoads } from '../compute/host-loads.js';
import { placeVm, type HostLoad } from './vm-placement.js';
import { allocateNics, withOvnController } from '../networks/networks.service.js';
import { networkingEnabled } from '../networks/network-ovn.js';
import type { CreateVmInput, OperationDto, VmActionName, VmDto } from './vms.schemas.js';
import { assertOwnerMayRun } from '../compute/may-run.js';
import { claimInstance, type ClaimTable, type InstanceClaim } from '../compute/claim.js';
import './vm-operations.js';
import './vm-changes.js';
import './vm-snapshots.js';

// A VM request is one short transaction (quota, credits, placement, the VM row and its
// operation), then the operation runs on a worker. Users only ever see their own VMs.

// A create that failed and was rolled back (state error, nothing held) has nothing on the host:
// it does not keep an admin from deleting the host (its row then names no host).
registerHostResourceCounter('vms', (hostId) => db.vm.count({ where: { hostId, state: { not: 'deleted' }, NOT: { state: 'error', quotaHeld: false } } }));

type VmWithNames = VmRow & { host: Pick<Host, 'name'> | null };

export const toVmDto = (v: VmWithNames): VmDto => ({
  id: v.id, name: v.name, state: v.state, templateId: v.templateId, templateName: v.templateName,
  vcpus: v.vcpus, memoryMiB: v.memoryMiB, diskGiB: v.diskGiB, hostName: v.host?.name ?? null,
  creditsPerHour: v.creditsPerHour, stoppedCreditsPerHour: stoppedCreditsPerHour(v), createdAt: v.createdAt.toISOString(),
  currentOperationId: v.currentOperationId, lastError: v.lastError,
  stoppedBy: isStopReason(v.stoppedReason) ? { reason: v.stoppedReason, at: (v.stoppedAt ?? v.updatedAt).toISOString() } : null,
});

/** Who or what started it, as the task log shows it; null for operations older than the record. */
function startedBy(o: OperationRow): OperationDto['startedBy'] {
  const by = (o.input as unknown as OperationInput<unknown> | null)?.by;
  return by ? { kind: by.kind, userId: by.userId ?? null, name: by.name ?? null, reason: by.reason ?? null } : null;
}

/** An operation as its reader may see it: administrators also get what the host said (`errorDetail`, steps' `detail`). */
export const toOperationDto = (o: OperationRow, viewer: { admin: boolean } = { admin: false }): OperationDto => ({
  id: o.id, kind: o.kind, targetId: o.targetId, state: o.state,
  steps: (o.steps as OperationDto['steps']).map(({ detail, ...step }) => (viewer.admin ? { ...step, detail: detail ?? null } : step)),
  error: o.error, errorDetail: viewer.admin ? o.errorDetail : null, createdAt: o.createdAt.toISOString(), finishedAt: o.finishedAt?.toISOString() ?? null,
  attempts: o.attempts, startedBy: startedBy(o),
});

const STOP_REASONS = ['credits', 'trial', 'disabled'] as const;
const isStopReason = (r: string | null): r is (typeof STOP_REASONS)[number] => (STOP_REASONS as readonly (string | null)[]).includes(r);

export const withNames = { host: { select: { name: true } } } as const;

async function ownVm(ownerId: string, id: string): Promise<VmWithNames> {
  const vm = await db.vm.findFirst({ where: { id, ownerId, state: { not: 'deleted' } }, include: withNames });
  if (!vm) throw errors.notFound('VM');
  return vm;
}

export async function createVm(ownerId: string, input: CreateVmInput) {
  const template = await db.template.findUnique({ where: { id: input.templateId } });
  // Another user's personal image is "not found", like a template that does not exist.
  if (!template || !template.enabled || template.status !== 'ready' || (template.ownerId !== null && template.ownerId !== ownerId)) throw errors.notFound('Template');
  const imageHosts = await hostsWithImage(template);
  const bad: { path: string; message: string }[] = [];
  if (input.memoryMiB < template.minMemoryMiB) bad.push({ path: 'body.memoryMiB', message: `${template.name} needs at least ${template.minMemoryMiB} MiB` });
  if (input.diskGiB < template.defaultDiskGiB) bad.push({ path: 'body.diskGiB', message: `at least ${template.defaultDiskGiB} GiB (the template's disk)` });
  if (input.diskGiB > template.maxDiskGiB) bad.push({ path: 'body.diskGiB', message: `at most ${template.maxDiskGiB} GiB for ${template.name}` });
  if (bad.length) throw errors.validation(bad, 'body');
  const owner = await db.user.findUniqueOrThrow({ where: { id: ownerId }, select: { trialEndsAt: true } });
  if (owner.trialEndsAt && owner.trialEndsAt.getTime() <= Date.now()) {
    throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended; ask an administrator to extend it.');
  }

  // Saved key pairs first, then a pasted one-off key; the same key twice goes in once.
  const authorizedKeys = [...new Set([...(await keyLines(ownerId, input.keyIds ?? [])), ...(input.sshPublicKey ? [input.sshPublicKey] : [])])];

  const id = randomUUID();
  const cost = creditsPerHour(input);
  const networked = await networkingEnabled();
  let operationId: string;
  try {
    operationId = await db.$transaction(async (tx) => {
      await reserveQuota(tx, ownerId, { vcpus: input.vcpus, memoryMiB: input.memoryMiB, diskGiB: input.diskGiB, vms: 1 });
      await applyCredit(tx, { userId: ownerId, amount: -cost, reason: 'vm-hour', reference: `vm:${id}:h0` });
      let hosts = (await lockedHostLoads(tx, { zone: template.zone })).filter((h) => !imageHosts || imageHosts.has(h.id));
      if (networked) hosts = await withOvnController(tx, hosts, template.zone, 'a VM');
      const placed = placeVm(hosts, input, {
        cpuOvercommit: config.VM_OVERCOMMIT_CPU, memoryOvercommit: config.VM_OVERCOMMIT_MEMORY, strategy: config.VM_PLACEMENT,
      }, template.zone);
      if ('reason' in placed) throw new AppError('NO_CAPACITY', placed.reason);
      await tx.vm.create({
        data: {
          id, ownerId, name: input.name, activeName: input.name, templateId: template.id, templateName: template.name, hostId: placed.host.id,
          vcpus: input.vcpus, memoryMiB: input.memoryMiB, diskGiB: input.diskGiB, creditsPerHour: cost,
          domainName: `cc-${id}`, sshPublicKey: authorizedKeys.length ? authorizedKeys.join('\n') : null,
        },
      });
      await allocateNics(tx, ownerId, { vmId: id }, input.networkIds, networked);
      const opId = await createOperation(tx, { kind: 'vm.create', targetType: 'vm', targetId: id, ownerId, params: { vmId: id }, by: { kind: 'user', userId: ownerId } });
      await tx.vm.update({ where: { id }, data: { currentOperationId: opId } });
      return opId;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`You already have a VM named "${input.name}".`);
    throw e;
  }
  await enqueueOperation(operationId, 'vm.create');
  await publishChange(ownerId, { type: 'vm', id });
  return accepted(id, operationId);
}

/** An imported image is placeable only where it was copied; other templates on every host of the zone. */
async function hostsWithImage(template: { id: string; name: string; sourceKey: string | null }): Promise<Set<string> | null> {
  if (!template.sourceKey) return null;
  const rows = await db.templateHost.findMany({ where: { templateId: template.id, state: 'ready' }, select: { hostId: true } });
  if (!rows.length) throw new AppError('NO_CAPACITY', `The image ${template.name} is on no host yet; wait for its import to finish.`);
  return new Set(rows.map((r) => r.hostId));
}

async function accepted(vmId: string, operationId: string) {
  const [vm, op] = await Promise.all([
    db.vm.findUniqueOrThrow({ where: { id: vmId }, include: withNames }),
    db.operation.findUniqueOrThrow({ where: { id: operationId } }),
  ]);
  return { vm: toVmDto(vm), operation: toOperationDto(op) };
}

const ACTIONS: Record<VmActionName | 'delete', { from: VmState[]; to: VmState; kind: string }> = {
  start: { from: ['stopped'], to: 'starting', kind: 'vm.start' },
  shutdown: { from: ['running'], to: 'stopping', kind: 'vm.shutdown' },
  poweroff: { from: ['running', 'stopping', 'starting'], to: 'stopping', kind: 'vm.poweroff' },
  reboot: { from: ['running'], to: 'rebooting', kind: 'vm.reboot' },
  delete: { from: ['running', 'stopped', 'error'], to: 'deleting', kind: 'vm.delete' },
};

export interface VmClaim extends InstanceClaim<VmState, VmRow> {
  params: { vmId: string } & Record<string, unknown>;
}

const vmTable: ClaimTable<VmState, VmRow> = {
  targetType: 'vm', noun: 'VM', busyCode: 'VM_BUSY',
  claim: async (tx, id, claim, opId) => (await tx.vm.updateMany({
    where: { id, currentOperationId: null, state: { in: claim.from } },
    data: {
      currentOperationId: opId, lastError: null, ...(claim.to ? { state: claim.to } : {}),
      // Started again (by its owner or after an extension): no longer "stopped by the platform".
      ...(claim.kind === 'vm.start' ? { stoppedReason: null, stoppedAt: null } : {}),
    },
  })).count,
  lock: async (tx, id) => (await tx.$queryRaw<VmRow[]>`SELECT * FROM Vm WHERE id = ${id} FOR UPDATE`)[0],
  holder: async (tx, id) => (await tx.vm.findUniqueOrThrow({ where: { id }, select: { currentOperationId: true } })).currentOperationId,
};

/** Claims the VM for one operation: a conditional UPDATE, so two requests cannot both win. */
export async function claimVm(ownerId: string, vmId: string, claim: VmClaim) {
  const vm = await ownVm(ownerId, vmId);
  const operationId = await claimInstance(vmTable, ownerId, vm, claim);
  // The owner's other pages (another tab, their phone) see it start; an admin's or the meter's action too.
  await publishChange(ownerId, { type: 'vm', id: vm.id });
  return accepted(vm.id, operationId);
}

export async function runVmAction(ownerId: string, vmId: string, action: VmActionName | 'delete', by?: OperationInitiator, options: { volumes?: 'keep' | 'delete' } = {}) {
  const rule = ACTIONS[action];
  if (action === 'start') await assertOwnerMayRun(ownerId, await ownVm(ownerId, vmId), 'VMs');
  const params = { vmId, ...(action === 'delete' && options.volumes ? { volumes: options.volumes } : {}) };
  return claimVm(ownerId, vmId, { ...rule, action, params, ...(by ? { by } : {}) });
}

export async function listVms(ownerId: string) {
  const rows = await db.vm.findMany({ where: { ownerId, state: { not: 'deleted' } }, include: withNames, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toVmDto) };
}

export const getVm = async (ownerId: string, id: string) => toVmDto(await ownVm(ownerId, id));

const ENDED = ['succeeded', 'failed', 'compensated'];

/** The operation; with `waitMs`, answered when it ends or the time is up, whichever is first. */
export async function getOperation(principal: { userId: string; role: string }, id: string, waitMs = 0): Promise<OperationDto> {
  const read = async () => {
    const op = await db.operation.findUnique({ where: { id } });
    if (!op || (principal.role !== 'admin' && op.ownerId !== principal.userId)) throw errors.notFound('Operation');
    return op;
  };
  let op = await read();
  if (waitMs > 0 && !ENDED.includes(op.state)) {
    await waitForOperationEnd(id, waitMs, async () => ENDED.includes((op = await read()).state));
    if (!ENDED.includes(op.state)) op = await read();
  }
  return toOperationDto(op, { admin: principal.role === 'admin' });
}

/** The VM's operations, newest first: what the detail page shows after a reload. */
export async function listVmOperations(ownerId: string, vmId: string) {
  await ownVm(ownerId, vmId);
  return vmOperations(vmId);
}

/** A VM's last 50 operations, newest first, as `viewer` may see them (the owner's page, or an admin's). */
export async function vmOperations(vmId: string, viewer: { admin: boolean } = { admin: false }) {
  const rows = await db.operation.findMany({ where: { targetType: 'vm', targetId: vmId }, orderBy: { createdAt: 'desc' }, take: 50 });
  return { items: rows.map((o) => toOperationDto(o, viewer)) };
}

import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import { db, type Tx } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Host, Operation as OperationRow, Vm as VmRow } from '../../generated/prisma/client.js';
import type { VmState } from '../../generated/prisma/enums.js';
import { applyCredit } from '../credits/credits.service.js';
import { creditsPerHour, reserveQuota } from '../quotas/quotas.service.js';
import { registerHostResourceCounter } from '../hosts/hosts.service.js';
import { placeVm, type HostLoad } from './vm-placement.js';
import { allocateNics } from '../networks/networks.service.js';
import { networkingEnabled } from '../networks/network-ovn.js';
import type { CreateVmInput, OperationDto, VmActionName, VmDto } from './vms.schemas.js';
import './vm-operations.js';
import './vm-changes.js';

// A VM request is one short transaction (quota, credits, placement, the VM row and its
// operation), then the operation runs on a worker. Users only ever see their own VMs.

const GiB = 1024 ** 3;

registerHostResourceCounter('vms', (hostId) => db.vm.count({ where: { hostId, state: { not: 'deleted' } } }));

type VmWithNames = VmRow & { host: Pick<Host, 'name'> | null };

export const toVmDto = (v: VmWithNames): VmDto => ({
  id: v.id, name: v.name, state: v.state, templateId: v.templateId, templateName: v.templateName,
  vcpus: v.vcpus, memoryMiB: v.memoryMiB, diskGiB: v.diskGiB, hostName: v.host?.name ?? null,
  creditsPerHour: v.creditsPerHour, createdAt: v.createdAt.toISOString(),
  currentOperationId: v.currentOperationId, lastError: v.lastError,
  stoppedBy: v.stoppedReason === 'credits' || v.stoppedReason === 'trial' ? { reason: v.stoppedReason, at: (v.stoppedAt ?? v.updatedAt).toISOString() } : null,
});

export const toOperationDto = (o: OperationRow): OperationDto => ({
  id: o.id, kind: o.kind, targetId: o.targetId, state: o.state, steps: o.steps as OperationDto['steps'],
  error: o.error, createdAt: o.createdAt.toISOString(), finishedAt: o.finishedAt?.toISOString() ?? null,
});

const withNames = { host: { select: { name: true } } } as const;

async function ownVm(ownerId: string, id: string): Promise<VmWithNames> {
  const vm = await db.vm.findFirst({ where: { id, ownerId, state: { not: 'deleted' } }, include: withNames });
  if (!vm) throw errors.notFound('VM');
  return vm;
}

/** Hosts of the zone, locked for the rest of the transaction, with what their VMs use. */
async function lockedHostLoads(tx: Tx, zone: string): Promise<HostLoad[]> {
  const rows = await tx.$queryRaw<{ id: string; name: string; maintenance: number; cpus: number; memoryMiB: number; diskTotalBytes: bigint }[]>`
    SELECT id, name, maintenance, cpus, memoryMiB, diskTotalBytes FROM Host
    WHERE zone = ${zone} AND status = 'ready' AND cpus IS NOT NULL ORDER BY id FOR UPDATE`;
  if (!rows.length) return [];
  const usage = await tx.vm.groupBy({
    by: ['hostId'], where: { hostId: { in: rows.map((r) => r.id) }, quotaHeld: true },
    _sum: { vcpus: true, memoryMiB: true, diskGiB: true },
  });
  return rows.map((r) => {
    const u = usage.find((x) => x.hostId === r.id)?._sum;
    return {
      id: r.id, name: r.name, maintenance: Boolean(r.maintenance), cpus: r.cpus, memoryMiB: r.memoryMiB,
      diskTotalGiB: Math.floor(Number(r.diskTotalBytes ?? 0) / GiB),
      usedVcpus: u?.vcpus ?? 0, usedMemoryMiB: u?.memoryMiB ?? 0, usedDiskGiB: u?.diskGiB ?? 0,
    };
  });
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

  const id = randomUUID();
  const cost = creditsPerHour(input);
  const networked = await networkingEnabled();
  let operationId: string;
  try {
    operationId = await db.$transaction(async (tx) => {
      await reserveQuota(tx, ownerId, { vcpus: input.vcpus, memoryMiB: input.memoryMiB, diskGiB: input.diskGiB, vms: 1 });
      await applyCredit(tx, { userId: ownerId, amount: -cost, reason: 'vm-hour', reference: `vm:${id}:h0` });
      let hosts = (await lockedHostLoads(tx, template.zone)).filter((h) => !imageHosts || imageHosts.has(h.id));
      if (networked) hosts = await withOvnController(tx, hosts, template.zone);
      const placed = placeVm(hosts, input, {
        cpuOvercommit: config.VM_OVERCOMMIT_CPU, memoryOvercommit: config.VM_OVERCOMMIT_MEMORY, strategy: config.VM_PLACEMENT,
      }, template.zone);
      if ('reason' in placed) throw new AppError('NO_CAPACITY', placed.reason);
      await tx.vm.create({
        data: {
          id, ownerId, name: input.name, activeName: input.name, templateId: template.id, templateName: template.name, hostId: placed.host.id,
          vcpus: input.vcpus, memoryMiB: input.memoryMiB, diskGiB: input.diskGiB, creditsPerHour: cost,
          domainName: `cc-${id}`, sshPublicKey: input.sshPublicKey ?? null,
        },
      });
      await allocateNics(tx, ownerId, id, input.networkIds, networked);
      const opId = await createOperation(tx, { kind: 'vm.create', targetType: 'vm', targetId: id, ownerId, params: { vmId: id } });
      await tx.vm.update({ where: { id }, data: { currentOperationId: opId } });
      return opId;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw errors.conflict(`You already have a VM named "${input.name}".`);
    throw e;
  }
  await enqueueOperation(operationId, 'vm.create');
  return accepted(id, operationId);
}

/** A VM on a private network needs a host whose ovn-controller answered its last probe. */
async function withOvnController(tx: Tx, hosts: HostLoad[], zone: string): Promise<HostLoad[]> {
  if (!hosts.length) return hosts;
  const ready = new Set((await tx.host.findMany({ where: { id: { in: hosts.map((h) => h.id) }, ovnChassis: { not: null } }, select: { id: true } })).map((h) => h.id));
  const usable = hosts.filter((h) => ready.has(h.id));
  if (!usable.length) {
    throw new AppError('NO_CAPACITY', `No host in zone ${zone} runs an answering ovn-controller, which a VM on a private network needs (${hosts.map((h) => h.name).join(', ')} do not); ask an administrator.`);
  }
  return usable;
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

export interface VmClaim {
  from: VmState[];
  /** The state while the operation runs; absent: unchanged (the operation id marks it busy). */
  to?: VmState;
  kind: string;
  params: { vmId: string } & Record<string, unknown>;
  /** What the refusal says when the VM is in another state. */
  action: string;
  /** More work in the same transaction (a quota reservation). */
  inTx?: (tx: Tx) => Promise<void>;
}

const busy = (name: string, operationId: string | null) =>
  new AppError('VM_BUSY', `Another operation is running on ${name}; wait for it to finish.`, { operationId });

/** Claims the VM for one operation: a conditional UPDATE, so two requests cannot both win. */
export async function claimVm(ownerId: string, vmId: string, claim: VmClaim) {
  const vm = await ownVm(ownerId, vmId);
  if (vm.currentOperationId) throw busy(vm.name, vm.currentOperationId);
  if (!claim.from.includes(vm.state)) throw errors.conflict(`Cannot ${claim.action} a VM that is ${vm.state}.`, { state: vm.state });
  const operationId = await db.$transaction(async (tx) => {
    await claim.inTx?.(tx);
    const opId = await createOperation(tx, { kind: claim.kind, targetType: 'vm', targetId: vm.id, ownerId, params: claim.params });
    const claimed = await tx.vm.updateMany({
      where: { id: vm.id, currentOperationId: null, state: { in: claim.from } },
      data: {
        currentOperationId: opId, lastError: null, ...(claim.to ? { state: claim.to } : {}),
        // Started again (by its owner or after an extension): no longer "stopped by the platform".
        ...(claim.kind === 'vm.start' ? { stoppedReason: null, stoppedAt: null } : {}),
      },
    });
    if (claimed.count !== 1) {
      const now = await tx.vm.findUniqueOrThrow({ where: { id: vm.id }, select: { currentOperationId: true } });
      throw busy(vm.name, now.currentOperationId);
    }
    return opId;
  });
  await enqueueOperation(operationId, claim.kind);
  return accepted(vm.id, operationId);
}

export async function runVmAction(ownerId: string, vmId: string, action: VmActionName | 'delete') {
  const rule = ACTIONS[action];
  if (action === 'start') await assertMayRun(ownerId, vmId);
  return claimVm(ownerId, vmId, { ...rule, action, params: { vmId } });
}

/** Starting a VM needs a live trial (or none) and credits for its next hour (vm-metering.ts stops the rest). */
async function assertMayRun(ownerId: string, vmId: string): Promise<void> {
  const [owner, vm] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: ownerId }, select: { trialEndsAt: true, creditBalance: true } }),
    ownVm(ownerId, vmId),
  ]);
  if (owner.trialEndsAt && owner.trialEndsAt.getTime() <= Date.now()) {
    throw new AppError('TRIAL_EXPIRED', 'Your free trial has ended, so your VMs cannot run; ask an administrator to extend it.');
  }
  if (owner.creditBalance < vm.creditsPerHour) {
    throw new AppError('INSUFFICIENT_CREDITS', `Running ${vm.name} costs ${vm.creditsPerHour} credits an hour; your balance is ${owner.creditBalance}.`, {
      needed: vm.creditsPerHour, balance: owner.creditBalance,
    });
  }
}

export async function listVms(ownerId: string) {
  const rows = await db.vm.findMany({ where: { ownerId, state: { not: 'deleted' } }, include: withNames, orderBy: { createdAt: 'desc' } });
  return { items: rows.map(toVmDto) };
}

export const getVm = async (ownerId: string, id: string) => toVmDto(await ownVm(ownerId, id));

export async function getOperation(principal: { userId: string; role: string }, id: string): Promise<OperationDto> {
  const op = await db.operation.findUnique({ where: { id } });
  if (!op || (principal.role !== 'admin' && op.ownerId !== principal.userId)) throw errors.notFound('Operation');
  return toOperationDto(op);
}

/** The VM's operations, newest first: what the detail page shows after a reload. */
export async function listVmOperations(ownerId: string, vmId: string) {
  await ownVm(ownerId, vmId);
  const rows = await db.operation.findMany({ where: { targetType: 'vm', targetId: vmId }, orderBy: { createdAt: 'desc' }, take: 50 });
  return { items: rows.map(toOperationDto) };
}

import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError, type StepContext } from '../../platform/operations/operations.js';
import type { ContainerState } from '../../generated/prisma/enums.js';
import { applyCredit } from '../credits/credits.service.js';
import { releaseQuota } from '../quotas/quotas.service.js';
import { driversFor } from '../hosts/host-connections.js';
import { closeForwardsOf } from '../tunnels/tunnel-forwards.js';
import { containerNetworks, LABEL_MANAGED, LABEL_OWNER, ownerNetworkLabels, type AttachContext } from './container-networks.js';

// The container sagas. Every step checks before it acts (the driver treats "already there"
// and "already gone" as success), so a retried job or a restarted worker resumes safely.
// Everything made on the host carries the container's id and owner as labels.

export interface ContainerOpParams { containerId: string }
type Ctx = StepContext<ContainerOpParams>;

export const LABEL_ID = 'campus.container.id';
export { LABEL_MANAGED, LABEL_OWNER };

export async function loadContainer(id: string) {
  const c = await db.container.findUnique({ where: { id }, include: { host: true } });
  if (!c) throw new PermanentStepError('The container no longer exists.');
  if (!c.host) throw new PermanentStepError('The container has no host.');
  const docker = (await driversFor(c.host)).containers;
  const net: AttachContext = { host: c.host, containerId: c.id, ownerId: c.ownerId, dockerName: c.dockerName };
  return {
    c, host: c.host, docker, net,
    volume: `${c.dockerName}-data`,
    labels: { [LABEL_ID]: c.id, [LABEL_OWNER]: c.ownerId, [LABEL_MANAGED]: 'true' },
  };
}

/** Ends an operation: the container is free again, in the state given. */
async function release(id: string, state: ContainerState, lastError: string | null = null) {
  await db.container.update({ where: { id }, data: { state, currentOperationId: null, lastError } });
}

/** What the host says the container is: running, stopped (exited, created), or error when it is gone. */
export async function hostState(id: string): Promise<{ state: ContainerState; note: string | null }> {
  try {
    const { c, docker } = await loadContainer(id);
    const s = await docker.inspect(c.dockerName);
    if (!s) return { state: 'error', note: 'The container is gone from its host.' };
    if (s.running) return { state: 'running', note: null };
    const why = s.oomKilled ? ' after running out of memory' : '';
    return { state: 'stopped', note: s.status === 'exited' ? `Exited with code ${s.exitCode}${why}.` : null };
  } catch {
    return { state: 'error', note: 'Its host could not be asked.' };
  }
}

/** Ends in the state the host reports: a container whose command already ended is stopped, not failed. */
const settle = async (ctx: Ctx) => {
  const { state, note } = await hostState(ctx.params.containerId);
  await release(ctx.params.containerId, state, note);
};
const settleAfterFailure = async (ctx: Ctx, error: string) => {
  const { state } = await hostState(ctx.params.containerId);
  await release(ctx.params.containerId, state, error);
};

const startAndAttach = async (ctx: Ctx) => {
  const l = await loadContainer(ctx.params.containerId);
  await l.docker.start(l.c.dockerName);
  await containerNetworks().attach(l.net);
};

defineOperation<ContainerOpParams>({
  kind: 'container.create',
  steps: [
    {
      // The owner's Docker network on the host, or the NICs' OVN logical ports (container-networks.ts).
      name: 'network',
      run: async (ctx) => { await containerNetworks().prepare((await loadContainer(ctx.params.containerId)).net); },
      compensate: async (ctx) => { await containerNetworks().unprepare((await loadContainer(ctx.params.containerId)).net); },
    },
    {
      name: 'volume',
      run: async (ctx) => { const { docker, volume, labels } = await loadContainer(ctx.params.containerId); await docker.ensureVolume(volume, labels); },
      compensate: async (ctx) => { const { docker, volume } = await loadContainer(ctx.params.containerId); await docker.removeVolume(volume); },
    },
    {
      name: 'container',
      run: async (ctx) => {
        const { c, docker, net, volume, labels } = await loadContainer(ctx.params.containerId);
        const network = await containerNetworks().dockerNetwork(net);
        // Another container's delete may have removed the owner's network since the first step.
        if (network !== 'none') await docker.ensureNetwork(network, ownerNetworkLabels(c.ownerId));
        await docker.createContainer({
          name: c.dockerName, image: c.imageRef, labels, hostname: c.name,
          ...(Array.isArray(c.command) ? { command: c.command.map(String) } : {}),
          env: (c.env ?? {}) as Record<string, string>,
          cpuMillis: c.cpuMillis, memoryMiB: c.memoryMiB, pidsLimit: config.CONTAINER_PIDS_LIMIT,
          volume: { name: volume, path: '/data' }, network,
        });
      },
      compensate: async (ctx) => {
        const l = await loadContainer(ctx.params.containerId);
        await l.docker.remove(l.c.dockerName);
        await containerNetworks().detach(l.net);
      },
    },
    { name: 'start', run: startAndAttach },
  ],
  onSucceeded: settle,
  onGaveUp: async (ctx, error) => {
    // Nothing is left on the host (compensated), so nothing stays reserved or charged.
    await db.$transaction(async (tx) => {
      const c = await tx.container.findUniqueOrThrow({ where: { id: ctx.params.containerId } });
      if (c.quotaHeld) {
        await releaseQuota(tx, c.ownerId, { vcpus: 0, cpuMillis: c.cpuMillis, memoryMiB: c.memoryMiB, diskGiB: c.volumeGiB, vms: 0, containers: 1 });
        await applyCredit(tx, { userId: c.ownerId, amount: c.creditsPerHour, reason: 'container-create-refund', reference: `ct:${c.id}:refund` });
      }
      await containerNetworks().release(tx, c.id);
      await tx.container.update({ where: { id: c.id }, data: { quotaHeld: false, state: 'error', currentOperationId: null, lastError: `Creation failed and was rolled back: ${error}`.slice(0, 1000) } });
    });
  },
});

defineOperation<ContainerOpParams>({
  kind: 'container.start',
  steps: [{ name: 'start', run: startAndAttach }],
  onSucceeded: settle,
  onGaveUp: settleAfterFailure,
});

defineOperation<ContainerOpParams>({
  kind: 'container.stop',
  steps: [{
    name: 'stop',
    run: async (ctx) => {
      const l = await loadContainer(ctx.params.containerId);
      await l.docker.stop(l.c.dockerName, config.CONTAINER_STOP_TIMEOUT_SECONDS);
      // Its namespace went with its process; what is left of its NICs on the host goes too.
      await containerNetworks().detach(l.net);
    },
  }],
  onSucceeded: async (ctx) => release(ctx.params.containerId, 'stopped'),
  onGaveUp: settleAfterFailure,
});

defineOperation<ContainerOpParams>({
  kind: 'container.restart',
  steps: [
    {
      name: 'restart',
      run: async (ctx) => {
        const l = await loadContainer(ctx.params.containerId);
        await l.docker.restart(l.c.dockerName, config.CONTAINER_STOP_TIMEOUT_SECONDS);
        // A new process, a new namespace: the NICs are made again inside it.
        await containerNetworks().attach(l.net);
      },
    },
  ],
  onSucceeded: settle,
  onGaveUp: settleAfterFailure,
});

defineOperation<ContainerOpParams>({
  kind: 'container.delete',
  steps: [
    // Port forwards and HTTP names to the container go first (idempotent: none left is done).
    { name: 'close-tunnels', run: async (ctx) => { await closeForwardsOf({ containerId: ctx.params.containerId }); } },
    {
      name: 'remove',
      run: async (ctx) => {
        const l = await loadContainer(ctx.params.containerId);
        await l.docker.remove(l.c.dockerName);
        await containerNetworks().detach(l.net);
      },
    },
    { name: 'volume', run: async (ctx) => { const { docker, volume } = await loadContainer(ctx.params.containerId); await docker.removeVolume(volume); } },
    {
      // The owner's Docker network goes with their last container on the host; logical ports go.
      name: 'network',
      run: async (ctx) => { await containerNetworks().unprepare((await loadContainer(ctx.params.containerId)).net); },
    },
    {
      name: 'release',
      run: async (ctx) => {
        await db.$transaction(async (tx) => {
          const c = await tx.container.findUniqueOrThrow({ where: { id: ctx.params.containerId } });
          if (c.quotaHeld) await releaseQuota(tx, c.ownerId, { vcpus: 0, cpuMillis: c.cpuMillis, memoryMiB: c.memoryMiB, diskGiB: c.volumeGiB, vms: 0, containers: 1 });
          await containerNetworks().release(tx, c.id);
          await tx.container.update({ where: { id: c.id }, data: { quotaHeld: false, state: 'deleted', activeName: null, deletedAt: new Date(), currentOperationId: null } });
        });
      },
    },
  ],
  onGaveUp: async (ctx, error) => settleAfterFailure(ctx, `Delete failed: ${error}`),
});

import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError } from '../../platform/operations/operations.js';
import { realizeNetwork, removeNetworkFromOvn, syncRules } from './network-ovn.js';

// The network sagas. Every step is idempotent in OVN (--may-exist / --if-exists), so a retried
// job or a restarted worker resumes; an unreachable OVN central fails the step, which retries.

export interface NetworkOpParams { networkId: string }

async function loadNetwork(id: string) {
  const n = await db.network.findUnique({ where: { id } });
  if (!n) throw new PermanentStepError('The network no longer exists.');
  return n;
}

const finish = (id: string, data: { state?: 'ready' | 'error'; lastError?: string | null }) =>
  db.network.updateMany({ where: { id }, data: { ...data, currentOperationId: null } });

defineOperation<NetworkOpParams>({
  kind: 'network.create',
  steps: [
    {
      name: 'ovn',
      run: async (ctx) => { await loadNetwork(ctx.params.networkId); await realizeNetwork(ctx.params.networkId); },
      compensate: async (ctx) => { await removeNetworkFromOvn(await loadNetwork(ctx.params.networkId)); },
    },
  ],
  onSucceeded: async (ctx) => { await finish(ctx.params.networkId, { state: 'ready', lastError: null }); },
  onGaveUp: async (ctx, error) => { await finish(ctx.params.networkId, { state: 'error', lastError: `Creation failed and was rolled back: ${error}`.slice(0, 1000) }); },
});

defineOperation<NetworkOpParams>({
  kind: 'network.delete',
  steps: [
    { name: 'ovn', run: async (ctx) => { await removeNetworkFromOvn(await loadNetwork(ctx.params.networkId)); } },
    { name: 'release', run: async (ctx) => { await db.network.deleteMany({ where: { id: ctx.params.networkId } }); } },
  ],
  onGaveUp: async (ctx, error) => { await finish(ctx.params.networkId, { state: 'error', lastError: `Delete failed: ${error}`.slice(0, 1000) }); },
});

defineOperation<NetworkOpParams>({
  kind: 'network.rules',
  steps: [{ name: 'acls', run: async (ctx) => { await loadNetwork(ctx.params.networkId); await syncRules(ctx.params.networkId); } }],
});

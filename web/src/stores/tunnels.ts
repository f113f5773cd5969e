import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as tunnelsApi from '@/api/tunnels';
import type { CreateTunnelBody, TunnelList } from '@/api/tunnels';
import { exclusive, usePendingActions, withFlag } from './store-helpers';
import { newIdempotencyKey } from '@/api/client';

// The signed-in user's tunnels: the list with live traffic, the quota, the port block and the gateway.
export const useTunnelsStore = defineStore('tunnels', () => {
  const list = ref<TunnelList | null>(null);
  const loading = ref(false);
  const loaded = ref(false);
  const creating = ref(false);
  const actions = usePendingActions<'close'>();

  async function fetch(): Promise<void> {
    list.value = await withFlag(loading, tunnelsApi.listTunnels);
    loaded.value = true;
  }

  async function create(body: CreateTunnelBody) {
    const key = newIdempotencyKey();
    const made = await exclusive(creating, () => tunnelsApi.createTunnel(body, { idempotencyKey: key }));
    if (made) await fetch();
    return made;
  }

  async function close(id: string): Promise<void> {
    await actions.run(id, 'close', (idempotencyKey) => tunnelsApi.closeTunnel(id, { idempotencyKey }));
    await fetch();
  }

  return { list, loading, loaded, creating, pending: actions.pending, fetch, create, close };
});

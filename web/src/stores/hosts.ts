import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as hostsApi from '@/api/hosts';
import type { CreateHostBody, Host, PlatformSshKey } from '@/api/types';
import { exclusive, usePendingActions, useSyncedList } from './store-helpers';

/** What a host has in flight; one at a time per host, so each button shows its own spinner. */
export type HostAction = 'probe' | 'maintenance' | 'approve-key' | 'delete';

export const useHostsStore = defineStore('hosts', () => {
  const list = useSyncedList(() => hostsApi.listHosts());
  const { items, loaded, loading, refreshing, fetch } = list;
  /** The host of the detail page. */
  const current = ref<Host | null>(null);
  const currentLoading = ref(false);
  const sshKey = ref<PlatformSshKey | null>(null);
  const sshKeyLoading = ref(false);
  const registering = ref(false);
  const { pending, run } = usePendingActions<HostAction>();

  function remember(host: Host): void {
    list.remember(host);
    if (current.value?.id === host.id) current.value = host;
  }

  function forget(id: string): void {
    list.forget(id);
    if (current.value?.id === id) current.value = null;
  }

  /** Loads one host for the detail page (and updates its row in the list). */
  async function fetchOne(id: string, options: { silent?: boolean } = {}): Promise<Host> {
    if (!options.silent) currentLoading.value = true;
    try {
      const host = await hostsApi.getHost(id);
      current.value = host;
      if (items.value.some((h) => h.id === id)) remember(host);
      return host;
    } finally {
      if (!options.silent) currentLoading.value = false;
    }
  }

  /** The platform's public key; asked once per page load (it only changes with a new key file). */
  async function loadSshKey(options: { force?: boolean } = {}): Promise<PlatformSshKey | null> {
    if (sshKey.value && !options.force) return sshKey.value;
    return exclusive(sshKeyLoading, async () => {
      sshKey.value = await hostsApi.getPlatformSshKey();
      return sshKey.value;
    });
  }

  /**
   * Registers a host; the server probes it during the call, so the answer says whether it is
   * ready. Resolves to null when a registration is already running (a double submit).
   */
  function register(body: CreateHostBody): Promise<Host | null> {
    return exclusive(registering, async () => {
      const host = await hostsApi.createHost(body, { idempotencyKey: newIdempotencyKey() });
      remember(host);
      return host;
    });
  }

  /** Runs an action that answers with the changed host; null while another action on it runs. */
  function withPending(id: string, action: HostAction, work: (idempotencyKey: string) => Promise<Host>): Promise<Host | null> {
    return run(id, action, async (idempotencyKey) => {
      const host = await work(idempotencyKey);
      remember(host);
      return host;
    });
  }

  function probe(id: string): Promise<Host | null> {
    return withPending(id, 'probe', (idempotencyKey) => hostsApi.probeHost(id, { idempotencyKey }));
  }

  function setMaintenance(id: string, maintenance: boolean): Promise<Host | null> {
    return withPending(id, 'maintenance', (idempotencyKey) =>
      hostsApi.updateHost(id, { maintenance }, { idempotencyKey }),
    );
  }

  function approveHostKey(id: string): Promise<Host | null> {
    return withPending(id, 'approve-key', (idempotencyKey) => hostsApi.approveHostKey(id, { idempotencyKey }));
  }

  /** Resolves to false when another action on this host is still running. */
  async function remove(id: string): Promise<boolean> {
    const done = await run(id, 'delete', async (idempotencyKey) => {
      await hostsApi.deleteHost(id, { idempotencyKey });
      forget(id);
      return true;
    });
    return done ?? false;
  }

  function reset(): void {
    list.clear();
    current.value = null;
    sshKey.value = null;
  }

  return {
    items,
    loaded,
    loading,
    refreshing,
    current,
    currentLoading,
    sshKey,
    sshKeyLoading,
    registering,
    pending,
    fetch,
    fetchOne,
    loadSshKey,
    register,
    probe,
    setMaintenance,
    approveHostKey,
    remove,
    reset,
  };
});

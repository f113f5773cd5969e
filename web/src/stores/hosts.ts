import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as hostsApi from '@/api/hosts';
import type { CreateHostBody, Host, PlatformSshKey } from '@/api/types';

/** What a host has in flight; one at a time per host, so each button shows its own spinner. */
export type HostAction = 'probe' | 'maintenance' | 'approve-key' | 'delete';

export const useHostsStore = defineStore('hosts', () => {
  const items = ref<Host[]>([]);
  /** True once the list has answered at least once (the empty state is only shown after that). */
  const loaded = ref(false);
  /** A load the user asked for (first load, refresh button): the table shows a spinner. */
  const loading = ref(false);
  /** A background refresh (the list's timer): no spinner. */
  const refreshing = ref(false);
  /** The host of the detail page. */
  const current = ref<Host | null>(null);
  const currentLoading = ref(false);
  const sshKey = ref<PlatformSshKey | null>(null);
  const sshKeyLoading = ref(false);
  const registering = ref(false);
  const pending = ref<Map<string, HostAction>>(new Map());

  // A list answer that left the server before a change here finished must not undo that
  // change: every local change is numbered, and a fetch keeps the local copy of hosts changed
  // (or deleted) after it started.
  let changeSeq = 0;
  const changedAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();

  function remember(host: Host): void {
    changedAt.set(host.id, ++changeSeq);
    items.value = items.value.some((h) => h.id === host.id)
      ? items.value.map((h) => (h.id === host.id ? host : h))
      : [host, ...items.value];
    if (current.value?.id === host.id) current.value = host;
  }

  function forget(id: string): void {
    deletedAt.set(id, ++changeSeq);
    items.value = items.value.filter((h) => h.id !== id);
    if (current.value?.id === id) current.value = null;
  }

  let inFlight: Promise<void> | null = null;

  /**
   * Loads the list. `silent` is the periodic refresh: no spinner. A load asked for while
   * another runs waits for that one instead of sending a second request.
   */
  async function fetch(options: { silent?: boolean } = {}): Promise<void> {
    const flag = options.silent ? refreshing : loading;
    flag.value = true;
    try {
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      await inFlight;
    } finally {
      flag.value = false;
    }
  }

  async function load(): Promise<void> {
    const startedAt = changeSeq;
    const fresh = await hostsApi.listHosts();
    const local = new Map(items.value.map((h) => [h.id, h]));
    const changedSince = (id: string) => (changedAt.get(id) ?? 0) > startedAt;
    const freshIds = new Set(fresh.map((h) => h.id));
    // Registered here after the list was read: not in the answer yet, but it exists.
    const added = items.value.filter((h) => !freshIds.has(h.id) && changedSince(h.id));
    const merged = fresh
      .filter((h) => (deletedAt.get(h.id) ?? 0) <= startedAt)
      .map((h) => (changedSince(h.id) ? (local.get(h.id) ?? h) : h));
    items.value = [...added, ...merged];
    loaded.value = true;
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
    if (sshKeyLoading.value) return null;
    sshKeyLoading.value = true;
    try {
      sshKey.value = await hostsApi.getPlatformSshKey();
      return sshKey.value;
    } finally {
      sshKeyLoading.value = false;
    }
  }

  /**
   * Registers a host; the server probes it during the call, so the answer says whether it is
   * ready. Resolves to null when a registration is already running (a double submit).
   */
  async function register(body: CreateHostBody): Promise<Host | null> {
    if (registering.value) return null;
    registering.value = true;
    try {
      const host = await hostsApi.createHost(body, { idempotencyKey: newIdempotencyKey() });
      remember(host);
      return host;
    } finally {
      registering.value = false;
    }
  }

  async function withPending(id: string, action: HostAction, work: (key: string) => Promise<Host>): Promise<Host | null> {
    if (pending.value.has(id)) return null;
    pending.value.set(id, action);
    try {
      const host = await work(newIdempotencyKey());
      remember(host);
      return host;
    } finally {
      pending.value.delete(id);
    }
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
    if (pending.value.has(id)) return false;
    pending.value.set(id, 'delete');
    try {
      await hostsApi.deleteHost(id, { idempotencyKey: newIdempotencyKey() });
      forget(id);
      return true;
    } finally {
      pending.value.delete(id);
    }
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
    current.value = null;
    sshKey.value = null;
    changedAt.clear();
    deletedAt.clear();
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

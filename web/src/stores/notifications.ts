import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as notificationsApi from '@/api/notifications';
import type { AppNotification, ResourceChange, UnreadCount } from '@/api/notifications';

export type { ResourceChange } from '@/api/notifications';

/** Said after the stream reconnects: anything may have changed meanwhile. */
export const ANY_CHANGE: ResourceChange = { type: '*', id: '*' };

/** The bell: the newest notifications, the unread count, and a live stream while signed in. */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<AppNotification[]>([]);
  const unread = ref(0);
  const loaded = ref(false);
  const loading = ref(false);
  /** True while the live stream is open (false: reconnecting, or EventSource unavailable). */
  const live = ref(false);
  let source: EventSource | null = null;
  /** Pages that follow changes to the person's resources (use-resource-changes.ts). */
  const changeListeners = new Set<(change: ResourceChange) => void>();
  const tell = (change: ResourceChange) => changeListeners.forEach((listener) => listener(change));

  /** Calls `listener` on every change pushed for this person; returns the unsubscribe. */
  function onChange(listener: (change: ResourceChange) => void): () => void {
    changeListeners.add(listener);
    return () => changeListeners.delete(listener);
  }

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await notificationsApi.listNotifications({ limit: 20 });
      items.value = page.items;
      unread.value = page.unread;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  /** Opens the live stream once; the browser reconnects by itself after a drop. */
  function connect(): void {
    if (source || typeof EventSource === 'undefined') return;
    source = new EventSource(notificationsApi.NOTIFICATION_STREAM_URL, { withCredentials: true });
    // On every (re)connect, read the list again: what happened while disconnected (or between
    // the first read and the stream opening) was not pushed.
    // Changes pushed while disconnected were missed too: every page following one reads again.
    source.onopen = () => {
      const reconnected = live.value === false && loaded.value;
      live.value = true;
      load().catch(() => undefined);
      if (reconnected) tell(ANY_CHANGE);
    };
    source.onerror = () => { live.value = false; };
    source.addEventListener('unread', (e) => {
      unread.value = (JSON.parse((e as MessageEvent<string>).data) as UnreadCount).unread;
    });
    source.addEventListener('change', (e) => {
      tell(JSON.parse((e as MessageEvent<string>).data) as ResourceChange);
    });
    source.addEventListener('notification', (e) => {
      const n = JSON.parse((e as MessageEvent<string>).data) as AppNotification;
      if (items.value.some((x) => x.id === n.id)) return;
      items.value = [n, ...items.value].slice(0, 50);
      unread.value += 1;
    });
  }

  function disconnect(): void {
    source?.close();
    source = null;
    live.value = false;
  }

  async function markRead(n: AppNotification): Promise<void> {
    if (n.readAt) return;
    n.readAt = new Date().toISOString();
    unread.value = Math.max(0, unread.value - 1);
    const r = await notificationsApi.markRead(n.id, { idempotencyKey: newIdempotencyKey() });
    unread.value = r.unread;
  }

  async function markAllRead(): Promise<void> {
    const now = new Date().toISOString();
    for (const n of items.value) n.readAt ??= now;
    unread.value = (await notificationsApi.markAllRead({ idempotencyKey: newIdempotencyKey() })).unread;
  }

  function reset(): void {
    disconnect();
    items.value = [];
    unread.value = 0;
    loaded.value = false;
  }

  return { items, unread, loaded, loading, live, load, connect, disconnect, markRead, markAllRead, reset, onChange };
});

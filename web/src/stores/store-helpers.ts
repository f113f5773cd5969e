import { ref, type Ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';

// Building blocks the stores share: a busy flag around a request, one request at a time
// (a double submit), one action at a time per item, and a list kept in step with the server.

/** Runs `work` with `flag` set, clearing it however the work ends. */
export async function withFlag<T>(flag: Ref<boolean>, work: () => Promise<T>): Promise<T> {
  flag.value = true;
  try {
    return await work();
  } finally {
    flag.value = false;
  }
}

/** As withFlag, but resolves to null (without running `work`) while the flag is already set: a double submit. */
export async function exclusive<T>(flag: Ref<boolean>, work: () => Promise<T>): Promise<T | null> {
  if (flag.value) return null;
  return withFlag(flag, work);
}

export interface PendingActions<A extends string> {
  /** Item id -> the action in flight on it, so each button shows its own spinner. */
  pending: Ref<Map<string, A>>;
  /**
   * Runs `work` (with a fresh idempotency key) as the item's one action in flight; resolves to
   * null, without running it, while another action on the item is still running.
   */
  run<T>(id: string, action: A, work: (idempotencyKey: string) => Promise<T>): Promise<T | null>;
}

/** One action at a time per item. */
export function usePendingActions<A extends string>(): PendingActions<A> {
  const pending = ref(new Map()) as Ref<Map<string, A>>;

  async function run<T>(id: string, action: A, work: (idempotencyKey: string) => Promise<T>): Promise<T | null> {
    if (pending.value.has(id)) return null;
    pending.value.set(id, action);
    try {
      return await work(newIdempotencyKey());
    } finally {
      pending.value.delete(id);
    }
  }

  return { pending, run };
}

export interface SyncedList<T extends { id: string }> {
  items: Ref<T[]>;
  /** True once the list has answered at least once (the empty state is only shown after that). */
  loaded: Ref<boolean>;
  /** A load the user asked for (first load, refresh button): the table shows a spinner. */
  loading: Ref<boolean>;
  /** A background refresh (a timer, polling): no spinner. */
  refreshing: Ref<boolean>;
  /**
   * Loads the list. `silent` is the background refresh: no spinner. A load asked for while
   * another runs waits for that one instead of sending a second request.
   */
  fetch(options?: { silent?: boolean }): Promise<void>;
  /** Puts a changed (or new) item into the list; a list answer older than the change keeps it. */
  remember(item: T): void;
  /** Takes a deleted item out of the list; a list answer older than the delete does not bring it back. */
  forget(id: string): void;
  /** Empties the list (logout). */
  clear(): void;
}

/**
 * A list read from the server and changed here. A list answer that left the server before a
 * change here finished must not undo that change: every local change is numbered, and a fetch
 * keeps the local copy of items changed (or deleted) after it started.
 */
export function useSyncedList<T extends { id: string }>(
  read: () => Promise<T[]>,
  hooks: { onLoaded?: (items: T[]) => void } = {},
): SyncedList<T> {
  const items = ref([]) as Ref<T[]>;
  const loaded = ref(false);
  const loading = ref(false);
  const refreshing = ref(false);

  let changeSeq = 0;
  const changedAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();

  function remember(item: T): void {
    changedAt.set(item.id, ++changeSeq);
    items.value = items.value.some((i) => i.id === item.id)
      ? items.value.map((i) => (i.id === item.id ? item : i))
      : [item, ...items.value];
  }

  function forget(id: string): void {
    deletedAt.set(id, ++changeSeq);
    items.value = items.value.filter((i) => i.id !== id);
  }

  let inFlight: Promise<void> | null = null;

  async function fetch(options: { silent?: boolean } = {}): Promise<void> {
    await withFlag(options.silent ? refreshing : loading, async () => {
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      await inFlight;
    });
  }

  async function load(): Promise<void> {
    const startedAt = changeSeq;
    const fresh = await read();
    const local = new Map(items.value.map((i) => [i.id, i]));
    const changedSince = (id: string) => (changedAt.get(id) ?? 0) > startedAt;
    const freshIds = new Set(fresh.map((i) => i.id));
    // Added here after the list was read: not in the answer yet, but it exists.
    const added = items.value.filter((i) => !freshIds.has(i.id) && changedSince(i.id));
    const merged = fresh
      .filter((i) => (deletedAt.get(i.id) ?? 0) <= startedAt)
      .map((i) => (changedSince(i.id) ? (local.get(i.id) ?? i) : i));
    hooks.onLoaded?.(merged);
    items.value = [...added, ...merged];
    loaded.value = true;
  }

  function clear(): void {
    items.value = [];
    loaded.value = false;
    changedAt.clear();
    deletedAt.clear();
  }

  return { items, loaded, loading, refreshing, fetch, remember, forget, clear };
}

import { computed, onMounted, ref, type Ref, type WatchSource } from 'vue';
import { errorMessage, notifyError } from './use-api-error';
import { usePolling } from './use-polling';

export interface ListPageOptions {
  /** Refresh in the background this often: silently, no spinner and no toast when it fails. */
  refreshMs?: number;
  /** With refreshMs: refresh only while this is true (default: all the time the page is open). */
  refreshWhile?: WatchSource<boolean>;
  /** After every load, whether it worked or not. */
  onSettled?: () => void;
}

export interface ListPage {
  /** The last load's failure; a failed background refresh shows here instead of as a toast every few seconds. */
  loadError: Ref<string | null>;
  /** True while the background refresh is on. */
  autoRefresh: Readonly<Ref<boolean>>;
  /** Loads the list; `silent` is the background refresh (no toast on failure). */
  load(silent?: boolean): Promise<void>;
}

/**
 * The script side of a list page: load the list when the page opens (and again on the refresh
 * and retry buttons), keep the last failure for the page to show, and optionally refresh in the
 * background until the page is left. `fetch` is the store's load; it sets its own loading flags.
 *
 * In templates call `load()` with the parentheses: `@click="load"` would pass the click event as `silent`.
 */
export function useListPage(fetch: (options: { silent: boolean }) => Promise<unknown>, options: ListPageOptions = {}): ListPage {
  const loadError = ref<string | null>(null);

  async function load(silent = false): Promise<void> {
    try {
      await fetch({ silent });
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
      if (!silent) notifyError(error);
    } finally {
      options.onSettled?.();
    }
  }

  // Stops by itself when the page is left (and, with refreshWhile, whenever that turns false).
  const polling = options.refreshMs
    ? usePolling(() => load(true), { intervalMs: options.refreshMs, while: options.refreshWhile ?? (() => true) })
    : null;
  const autoRefresh = computed(() => polling?.active.value ?? false);

  onMounted(() => void load());

  return { loadError, autoRefresh, load };
}

/** What usePagedList needs of a store with server-side paging and filters. */
export interface PagedListStore {
  page: number;
  pageSize: number;
  resetFilters(): void;
}

/** The toolbar and pager of a paged, filtered list: each change goes back to the server. */
export function usePagedList(store: PagedListStore, load: () => Promise<void>) {
  /** New filters: from the first page. */
  function search(): void {
    store.page = 1;
    void load();
  }

  function resetFilters(): void {
    store.resetFilters();
    void load();
  }

  function onPage(page: number): void {
    store.page = page;
    void load();
  }

  function onPageSize(size: number): void {
    store.pageSize = size;
    store.page = 1;
    void load();
  }

  return { search, resetFilters, onPage, onPageSize };
}

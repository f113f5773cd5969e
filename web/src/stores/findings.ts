import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as adminApi from '@/api/admin';
import { newIdempotencyKey } from '@/api/client';
import type { Finding } from '@/api/types';
import { reconcileHosts, type ReconcileResult } from '@/api/overview';
import { exclusive, withFlag } from './store-helpers';

/** Admin › Findings: what reconciliation found, marking findings resolved, reconciling now. */
export const useFindingsStore = defineStore('findings', () => {
  const items = ref<Finding[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  /** Resolved findings too. */
  const showResolved = ref(false);
  const reconciling = ref(false);
  /** What the last "reconcile now" from this tab found, shown until the next one. */
  const lastReconcile = ref<ReconcileResult | null>(null);
  /** Finding ids being marked resolved, so each row shows its own spinner. */
  const resolving = ref<Set<string>>(new Set());

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      items.value = await adminApi.listFindings(showResolved.value);
      loaded.value = true;
    });
  }

  /** Resolves to false when the finding is already being resolved from this tab. */
  async function resolve(id: string): Promise<boolean> {
    if (resolving.value.has(id)) return false;
    resolving.value.add(id);
    try {
      await adminApi.resolveFinding(id, { idempotencyKey: newIdempotencyKey() });
      const now = new Date().toISOString();
      items.value = showResolved.value
        ? items.value.map((f) => (f.id === id ? { ...f, resolvedAt: f.resolvedAt ?? now } : f))
        : items.value.filter((f) => f.id !== id);
      return true;
    } finally {
      resolving.value.delete(id);
    }
  }

  /** Resolves to null when a reconcile is already running. */
  function reconcile(): Promise<ReconcileResult | null> {
    return exclusive(reconciling, async () => (lastReconcile.value = await reconcileHosts({ idempotencyKey: newIdempotencyKey() })));
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
    showResolved.value = false;
    lastReconcile.value = null;
  }

  return { items, loaded, loading, showResolved, reconciling, lastReconcile, resolving, fetch, resolve, reconcile, reset };
});

import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as tokensApi from '@/api/tokens';
import type { ApiToken, CreateTokenBody, CreatedToken } from '@/api/types';
import { exclusive, withFlag } from './store-helpers';

export const useTokensStore = defineStore('tokens', () => {
  const items = ref<ApiToken[]>([]);
  const prunedAfterDays = ref<number | null>(null);
  const loading = ref(false);
  const creating = ref(false);
  /** Ids whose revoke request is in flight. */
  const revoking = ref<Set<string>>(new Set());

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      const list = await tokensApi.listTokens();
      items.value = list.items;
      prunedAfterDays.value = list.prunedAfterDays;
    });
  }

  /**
   * Creates one token. One idempotency key per call: automatic retries reuse it, and a
   * second call while one runs (double click) is ignored and resolves to null.
   */
  function create(body: CreateTokenBody): Promise<CreatedToken | null> {
    return exclusive(creating, async () => {
      const created = await tokensApi.createToken(body, { idempotencyKey: newIdempotencyKey() });
      items.value = [created.token, ...items.value.filter((t) => t.id !== created.token.id)];
      return created;
    });
  }

  async function revoke(id: string): Promise<void> {
    if (revoking.value.has(id)) return;
    revoking.value.add(id);
    try {
      await tokensApi.revokeToken(id, { idempotencyKey: newIdempotencyKey() });
      const revokedAt = new Date().toISOString();
      items.value = items.value.map((t) => (t.id === id ? { ...t, revokedAt: t.revokedAt ?? revokedAt } : t));
    } finally {
      revoking.value.delete(id);
    }
  }

  function reset(): void {
    items.value = [];
  }

  return { items, prunedAfterDays, loading, creating, revoking, fetch, create, revoke, reset };
});

import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import * as adminApi from '@/api/admin';
import { getUserOverview } from '@/api/admin-users';
import { newIdempotencyKey } from '@/api/client';
import type { AdminUser, AdminUserPatch, QuotaLimitsPatch, ResetLinkResult, Role, UserStatus, UserQuota } from '@/api/types';
import { withFlag } from './store-helpers';

export interface AdminUserFilters {
  q: string;
  role: Role | '';
  status: UserStatus | '';
}

export const useAdminUsersStore = defineStore('adminUsers', () => {
  const filters = reactive<AdminUserFilters>({ q: '', role: '', status: '' });
  const items = ref<AdminUser[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(20);
  const loading = ref(false);
  /** Ids with a change in flight, so each row's buttons show their own spinner. */
  const busy = ref<Set<string>>(new Set());
  /** User id -> the user's limits and usage, as last read or saved. */
  const quotas = ref<Map<string, UserQuota>>(new Map());

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      const result = await adminApi.listUsers({
        q: filters.q.trim() || undefined,
        role: filters.role || undefined,
        status: filters.status || undefined,
        page: page.value,
        pageSize: pageSize.value,
      });
      items.value = result.items;
      total.value = result.total;
    });
  }

  function replace(user: AdminUser): void {
    items.value = items.value.map((u) => (u.id === user.id ? user : u));
  }

  /** Runs `work` as the user's one change in flight; null (without running it) while another runs. */
  async function whileBusy<T>(id: string, work: () => Promise<T>): Promise<T | null> {
    if (busy.value.has(id)) return null;
    busy.value.add(id);
    try {
      return await work();
    } finally {
      busy.value.delete(id);
    }
  }

  /** A change that answers with the user: the row is replaced. */
  function withBusy(id: string, work: () => Promise<AdminUser>): Promise<AdminUser | null> {
    return whileBusy(id, async () => {
      const user = await work();
      replace(user);
      return user;
    });
  }

  function update(id: string, patch: AdminUserPatch): Promise<AdminUser | null> {
    return withBusy(id, () => adminApi.updateUser(id, patch, { idempotencyKey: newIdempotencyKey() }));
  }

  function extendTrial(id: string, days: number): Promise<AdminUser | null> {
    return withBusy(id, () => adminApi.extendTrial(id, days, { idempotencyKey: newIdempotencyKey() }));
  }

  function adjustCredits(id: string, amount: number, note: string): Promise<AdminUser | null> {
    return withBusy(id, () => adminApi.adjustCredits(id, amount, note, { idempotencyKey: newIdempotencyKey() }));
  }

  function resetTwoFactor(id: string): Promise<AdminUser | null> {
    return withBusy(id, () => adminApi.resetTwoFactor(id, { idempotencyKey: newIdempotencyKey() }));
  }

  /** Mails a reset link (or answers it when the site sends no mail); null while a change for this user is in flight. */
  function sendPasswordReset(id: string): Promise<ResetLinkResult | null> {
    return whileBusy(id, () => adminApi.sendPasswordReset(id, { idempotencyKey: newIdempotencyKey() }));
  }

  /** Sets only the given limits; resolves to null when a change for this user is already in flight. */
  /** Reads the user's current limits and usage (the quota dialog opens on them). */
  async function loadQuota(id: string): Promise<UserQuota> {
    const quota = (await getUserOverview(id)).user.quota;
    quotas.value.set(id, quota);
    return quota;
  }

  function setQuota(id: string, patch: QuotaLimitsPatch): Promise<UserQuota | null> {
    return whileBusy(id, async () => {
      const quota = await adminApi.setUserQuota(id, patch, { idempotencyKey: newIdempotencyKey() });
      quotas.value.set(id, quota);
      return quota;
    });
  }

  function resetFilters(): void {
    Object.assign(filters, { q: '', role: '', status: '' });
    page.value = 1;
  }

  function reset(): void {
    resetFilters();
    items.value = [];
    total.value = 0;
    quotas.value = new Map();
  }

  return {
    filters, items, total, page, pageSize, loading, busy, quotas,
    fetch, update, extendTrial, adjustCredits, loadQuota, setQuota, resetTwoFactor, sendPasswordReset, resetFilters, reset,
  };
});

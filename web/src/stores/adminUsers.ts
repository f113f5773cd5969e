import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import * as adminApi from '@/api/admin';
import { newIdempotencyKey } from '@/api/client';
import type { AdminUser, AdminUserPatch, QuotaLimitsPatch, Role, UserStatus, UserQuota } from '@/api/types';
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
  /** User id -> the quota the last save answered with (there is no GET for another user's quota). */
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

  async function withBusy(id: string, work: () => Promise<AdminUser>): Promise<AdminUser | null> {
    if (busy.value.has(id)) return null;
    busy.value.add(id);
    try {
      const user = await work();
      replace(user);
      return user;
    } finally {
      busy.value.delete(id);
    }
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

  /** Sets only the given limits; resolves to null when a change for this user is already in flight. */
  async function setQuota(id: string, patch: QuotaLimitsPatch): Promise<UserQuota | null> {
    if (busy.value.has(id)) return null;
    busy.value.add(id);
    try {
      const quota = await adminApi.setUserQuota(id, patch, { idempotencyKey: newIdempotencyKey() });
      quotas.value.set(id, quota);
      return quota;
    } finally {
      busy.value.delete(id);
    }
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

  return { filters, items, total, page, pageSize, loading, busy, quotas, fetch, update, extendTrial, adjustCredits, setQuota, resetFilters, reset };
});

import { api, type RequestOptions } from './client';
import type { AdminUser, AdminUserPatch, AdminUserQuery, AuditEntry, AuditQuery, Page } from './types';

export function listUsers(query: AdminUserQuery): Promise<Page<AdminUser>> {
  return api.get<Page<AdminUser>>('/api/admin/users', query);
}

export async function updateUser(id: string, patch: AdminUserPatch, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.patch<{ user: AdminUser }>(`/api/admin/users/${encodeURIComponent(id)}`, patch, options);
  return user;
}

export async function extendTrial(id: string, days: number, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.post<{ user: AdminUser }>(
    `/api/admin/users/${encodeURIComponent(id)}/extend-trial`,
    { days },
    options,
  );
  return user;
}

export function listAudit(query: AuditQuery): Promise<Page<AuditEntry>> {
  return api.get<Page<AuditEntry>>('/api/admin/audit', query);
}

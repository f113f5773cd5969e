import { api, type RequestOptions } from './client';
import type {
  AdjustCreditsBody, AdminUser, AdminUserPatch, AdminUserQuery, AdminUserResponse, AdminVm, AdminVmDetail, AuditPage, AuditQuery, ExtendTrialBody, Finding, Operation,
  QuotaLimitsPatch, QuotaResponse, ResetLinkResult, UserPage, UserQuota, VmAccepted as VmOperationResult, VmPowerAction,
} from './contract';

export function listUsers(query: AdminUserQuery): Promise<UserPage> {
  return api.get<UserPage>('/api/admin/users', query);
}

export async function updateUser(id: string, patch: AdminUserPatch, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.patch<AdminUserResponse>(`/api/admin/users/${encodeURIComponent(id)}`, patch, options);
  return user;
}

export async function extendTrial(id: string, days: number, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.post<AdminUserResponse>(
    `/api/admin/users/${encodeURIComponent(id)}/extend-trial`,
    { days } satisfies ExtendTrialBody,
    options,
  );
  return user;
}

/** Adds credits to a user's balance (negative: takes some back) as a ledger entry the user sees. */
export async function adjustCredits(id: string, amount: number, note: string, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.post<AdminUserResponse>(`/api/admin/users/${encodeURIComponent(id)}/credits`, { amount, note } satisfies AdjustCreditsBody, options);
  return user;
}

/** Mails the user a password-reset link, or (the site sends no mail) answers it for the admin to pass on. */
export function sendPasswordReset(id: string, options?: RequestOptions): Promise<ResetLinkResult> {
  return api.post<ResetLinkResult>(`/api/admin/users/${encodeURIComponent(id)}/password-reset`, undefined, options);
}

/** Turns off the user's two-factor sign-in (a lost phone and recovery codes). */
export async function resetTwoFactor(id: string, options?: RequestOptions): Promise<AdminUser> {
  const { user } = await api.post<AdminUserResponse>(`/api/admin/users/${encodeURIComponent(id)}/reset-2fa`, undefined, options);
  return user;
}

export function listAudit(query: AuditQuery): Promise<AuditPage> {
  return api.get<AuditPage>('/api/admin/audit', query);
}

/** Sets only the given limits; answers with the user's limits and usage. */
export async function setUserQuota(id: string, patch: QuotaLimitsPatch, options?: RequestOptions): Promise<UserQuota> {
  const { quota } = await api.put<QuotaResponse>(`/api/admin/users/${encodeURIComponent(id)}/quota`, patch, options);
  return quota;
}

/** A page of every user's VMs (not deleted), newest first, with the owner's email. */
export function listAllVms(page: { limit: number; cursor?: string | null }): Promise<{ items: AdminVm[]; nextCursor: string | null }> {
  return api.get<{ items: AdminVm[]; nextCursor: string | null }>('/api/admin/vms', {
    limit: String(page.limit), ...(page.cursor ? { cursor: page.cursor } : {}),
  });
}

const adminVmUrl = (id: string) => `/api/admin/vms/${encodeURIComponent(id)}`;

/** Anyone's VM with its owner, host and addresses (a deleted one too). */
export async function getAdminVm(id: string): Promise<AdminVmDetail> {
  return (await api.get<{ vm: AdminVmDetail }>(adminVmUrl(id))).vm;
}

/** The VM's task log, newest first, with what the hosts said. */
export async function listAdminVmOperations(id: string): Promise<Operation[]> {
  return (await api.get<{ items: Operation[] }>(`${adminVmUrl(id)}/operations`)).items;
}

/** Only a reason with words in it is sent (the server refuses a blank one). */
const withReason = (reason: string | undefined) => (reason?.trim() ? { reason: reason.trim() } : {});

/**
 * An administrator's power action on anyone's VM (audited; the owner is told, with `reason`,
 * which their task log shows). 409 when its state does not allow it.
 */
export function adminVmAction(id: string, action: VmPowerAction, reason?: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.post<VmOperationResult>(`${adminVmUrl(id)}/actions`, { action, ...withReason(reason) }, options);
}

/** Deletes anyone's VM and its disks (202: the VM goes to "deleting"); the owner is told why. */
export function adminDeleteVm(id: string, reason?: string, options?: RequestOptions): Promise<VmOperationResult> {
  return api.deleteWithBody<VmOperationResult>(adminVmUrl(id), options, withReason(reason));
}

/** Open findings, or all of them (resolved ones too) with `all`. */
export async function listFindings(all: boolean): Promise<Finding[]> {
  const { items } = await api.get<{ items: Finding[] }>('/api/admin/findings', { all: all ? '1' : '0' });
  return items;
}

/** 204. */
export function resolveFinding(id: string, options?: RequestOptions): Promise<void> {
  return api.post<void>(`/api/admin/findings/${encodeURIComponent(id)}/resolve`, undefined, options);
}

import { api, type RequestOptions } from './client';
import type { ActivityPage, CreditPage, SignedOut, UserOverview } from './contract';

// A user's admin page: the account with quota and usage, what they hold, sessions; their
// ledger and task log page through the same shapes as the user's own.

const userUrl = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;

export function getUserOverview(id: string): Promise<UserOverview> {
  return api.get<UserOverview>(userUrl(id));
}

export function listUserCredits(id: string, page: number, pageSize: number): Promise<CreditPage> {
  return api.get<CreditPage>(`${userUrl(id)}/credits`, { page, pageSize });
}

export function listUserActivity(id: string, page: number, pageSize: number): Promise<ActivityPage> {
  return api.get<ActivityPage>(`${userUrl(id)}/activity`, { page, pageSize });
}

/** Ends every browser session of the user (their API tokens stay). */
export function signOutEverywhere(id: string, options?: RequestOptions): Promise<SignedOut> {
  return api.post<SignedOut>(`${userUrl(id)}/sessions/sign-out`, undefined, options);
}

import { api, type RequestOptions } from './client';

export interface AppNotification {
  id: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  /** English wording from the server; the SPA words known kinds itself from `params`. */
  text: string;
  params: Record<string, unknown> | null;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

export function listNotifications(query: { before?: string; limit?: number; unread?: boolean } = {}): Promise<{ items: AppNotification[]; unread: number }> {
  return api.get('/api/notifications', { ...query, unread: query.unread ? 'true' : undefined });
}

export function markRead(id: string, options?: RequestOptions): Promise<{ unread: number }> {
  return api.post(`/api/notifications/${encodeURIComponent(id)}/read`, undefined, options);
}

export function markAllRead(options?: RequestOptions): Promise<{ unread: number }> {
  return api.post('/api/notifications/read-all', undefined, options);
}

/** The live stream (Server-Sent Events, same-origin cookie). */
export const NOTIFICATION_STREAM_URL = '/api/notifications/stream';

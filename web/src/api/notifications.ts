import { api, type RequestOptions } from './client';
import type { NotificationList, NotificationListQuery, UnreadCount } from './contract';

// A notification's text is the server's English; the SPA words known kinds itself from params.
export type { AppNotification, ResourceChange, UnreadCount } from './contract';

export function listNotifications(query: { before?: string; limit?: number; unread?: boolean } = {}): Promise<NotificationList> {
  return api.get<NotificationList>('/api/notifications', { ...query, unread: query.unread ? 'true' : undefined } satisfies NotificationListQuery);
}

export function markRead(id: string, options?: RequestOptions): Promise<UnreadCount> {
  return api.post<UnreadCount>(`/api/notifications/${encodeURIComponent(id)}/read`, undefined, options);
}

export function markAllRead(options?: RequestOptions): Promise<UnreadCount> {
  return api.post<UnreadCount>('/api/notifications/read-all', undefined, options);
}

/** The live stream (Server-Sent Events, same-origin cookie). */
export const NOTIFICATION_STREAM_URL = '/api/notifications/stream';

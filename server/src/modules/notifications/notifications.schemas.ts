import { z } from 'zod';

// The bell: what the platform tells a person, newest first, with an unread count.

export const NotificationSeverity = z.enum(['info', 'warning', 'critical']);

export const Notification = z.object({
  id: z.string().describe('Increasing id (a number in a string)'),
  kind: z.string().describe('What happened, e.g. vm.stopped.credits, trial.ending, alert.firing'),
  severity: NotificationSeverity,
  text: z.string().describe('The message in English; the SPA words it from kind + params in the reader\'s language'),
  params: z.record(z.string(), z.unknown()).nullable(),
  link: z.string().nullable().describe('Path in the app of the thing it is about'),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationDto = z.infer<typeof Notification>;

export const NotificationListQuery = z.object({
  before: z.string().regex(/^\d{1,19}$/, 'a notification id').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  unread: z.enum(['true', 'false']).optional(),
});
export const NotificationList = z.object({ items: z.array(Notification), unread: z.number().int() });
export const NotificationIdParams = z.object({ id: z.string().regex(/^\d{1,19}$/, 'a notification id') });
export const UnreadCount = z.object({ unread: z.number().int() });

/** The stream's `change` event: one of the person's resources changed; pages showing it read it again. */
export const ResourceChange = z.object({ type: z.string().describe('The kind of resource: vm, container, volume, network ...'), id: z.string() });
export type ResourceChange = z.infer<typeof ResourceChange>;

import { moduleRouter } from '../../platform/http/route.js';
import { requireUser } from '../../platform/auth.js';
import { NotificationIdParams, NotificationList, NotificationListQuery, UnreadCount } from './notifications.schemas.js';
import { listNotifications, markAllRead, markRead } from './notifications.service.js';
import { notificationStream } from './notifications.stream.js';

export const notificationsRoutes = moduleRouter('/api/notifications', 'notifications');

notificationsRoutes.get('/', { summary: 'My notifications, newest first, and how many are unread', access: 'user', query: NotificationListQuery, responses: { 200: NotificationList } },
  async ({ user, query }) => ({ status: 200, body: await listNotifications(user.userId, query) }));

// Marking read changes nothing anyone else sees: not an audit event.
notificationsRoutes.post('/:id/read', { summary: 'Mark one notification read', access: 'user', params: NotificationIdParams, responses: { 200: UnreadCount } },
  async ({ user, params, req }) => { req.audit.skip = true; return { status: 200, body: await markRead(user.userId, params.id) }; });

notificationsRoutes.post('/read-all', { summary: 'Mark all my notifications read', access: 'user', responses: { 200: UnreadCount } },
  async ({ user, req }) => { req.audit.skip = true; return { status: 200, body: await markAllRead(user.userId) }; });

// Server-Sent Events (text/event-stream): `unread` and `notification` events as they happen.
notificationsRoutes.router.get('/stream', (req, _res, next) => { req.routePattern = '/api/notifications/stream'; next(); }, requireUser, notificationStream);

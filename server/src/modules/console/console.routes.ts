import { moduleRouter } from '../../platform/http/route.js';
import { VmIdParams } from '../vms/vms.schemas.js';
import { ConsoleTicket } from './console.schemas.js';
import { issueConsoleTicket } from './console.service.js';

// The WebSocket itself (GET /api/vms/:id/console/ws?ticket=...) is served by the HTTP
// server's upgrade handler (console.ws.ts), outside Express.
export const consoleRoutes = moduleRouter('/api/vms', 'console');

consoleRoutes.post('/:id/console', {
  summary: 'A single-use ticket (30 s) to open the VM console over WebSocket (noVNC)', access: 'user', params: VmIdParams,
  responses: { 201: ConsoleTicket }, audit: 'vm.console', returnsSecret: ['ticket', 'path'],
}, async ({ params, user, req }) => {
  Object.assign(req.audit, { targetType: 'vm', targetId: params.id });
  return { status: 201, body: await issueConsoleTicket(user.userId, params.id) };
});

import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { moduleRouter } from '../../platform/http/route.js';
import { hostActionLimit } from '../../platform/rate-limit.js';
import { VmIdParams } from '../vms/vms.schemas.js';
import { ConsoleTicket, SerialLog, SerialLogQuery } from './console.schemas.js';
import { issueConsoleTicket } from './console.service.js';
import { readSerialLog } from './serial-log.js';

// The WebSocket itself (GET /api/vms/:id/console/ws?ticket=...) is served by the HTTP
// server's upgrade handler (console.ws.ts), outside Express.
export const consoleRoutes = moduleRouter('/api/vms', 'console');

consoleRoutes.post('/:id/console', {
  summary: 'A single-use ticket (30 s) to open the VM console over WebSocket (noVNC)', access: 'user', before: [hostActionLimit], params: VmIdParams,
  responses: { 201: ConsoleTicket }, audit: 'vm.console', returnsSecret: ['ticket', 'path'],
}, async ({ params, user, req }) => {
  Object.assign(req.audit, { targetType: 'vm', targetId: params.id });
  return { status: 201, body: await issueConsoleTicket(user.userId, params.id) };
});

// Only a request without `Upgrade: websocket` reaches Express here (console.ws.ts takes the
// upgrades); it is told how to open the socket. Declared here so the document lists it.
consoleRoutes.get('/:id/console/ws', {
  summary: 'The console WebSocket: GET with Upgrade: websocket (subprotocol "binary"), the session or token, and a ticket; bytes to and from the VM\'s VNC server',
  access: 'user', params: VmIdParams, query: z.object({ ticket: z.string().describe('From POST /api/vms/{id}/console; single use') }), responses: { 101: undefined },
}, async () => {
  throw new AppError('VALIDATION_FAILED', 'This address is a WebSocket: open it with "Upgrade: websocket" and a ticket from POST /api/vms/{id}/console.');
});

consoleRoutes.get('/:id/serial-log', {
  summary: "The end of the VM's serial console output (ttyS0), as text: its owner's or an administrator's",
  access: 'user', params: VmIdParams, query: SerialLogQuery, responses: { 200: SerialLog },
}, async ({ params, query, user }) => ({ status: 200, body: await readSerialLog(user, params.id, query.bytes) }));

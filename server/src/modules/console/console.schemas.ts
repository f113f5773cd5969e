import { z } from 'zod';

export const ConsoleTicket = z.object({
  /** Opaque, single use, valid for a few seconds; only ever sent back in the WebSocket URL. */
  ticket: z.string(),
  expiresAt: z.string(),
  /** Where to open the WebSocket (same origin): `/api/vms/:id/console/ws?ticket=...`. */
  path: z.string(),
});

export type ConsoleTicketDto = z.infer<typeof ConsoleTicket>;

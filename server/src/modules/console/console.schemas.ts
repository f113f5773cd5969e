import { z } from 'zod';

export const ConsoleTicket = z.object({
  /** Opaque, single use, valid for a few seconds; only ever sent back in the WebSocket URL. */
  ticket: z.string(),
  expiresAt: z.string(),
  /** Where to open the WebSocket (same origin): `/api/vms/:id/console/ws?ticket=...`. */
  path: z.string(),
});

export type ConsoleTicketDto = z.infer<typeof ConsoleTicket>;

export const SERIAL_LOG_DEFAULT_BYTES = 64 * 1024;
export const SERIAL_LOG_MAX_BYTES = 256 * 1024;

export const SerialLogQuery = z.object({
  bytes: z.coerce.number().int().min(1024).max(SERIAL_LOG_MAX_BYTES).default(SERIAL_LOG_DEFAULT_BYTES).describe('How much of the end of the log to read'),
}).strict();

export const SerialLog = z.object({
  vmName: z.string(),
  /** false: the VM has no serial log (defined before the platform kept one, or never started). */
  available: z.boolean(),
  /** What the guest wrote to its first serial port (ttyS0), escapes and control characters removed. */
  text: z.string(),
  /** The log holds more than was read: the text starts mid-stream. */
  truncated: z.boolean(),
});

export type SerialLogDto = z.infer<typeof SerialLog>;

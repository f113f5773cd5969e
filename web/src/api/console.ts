import { api, type RequestOptions } from './client';
import type { ConsoleTicket, SerialLog, SerialLogQuery } from './contract';

// A console ticket is single use (valid ~30 s); its path is same-origin, ticket included.
export type { ConsoleTicket, SerialLog } from './contract';

/** 404 for a VM that is not yours; 409 CONFLICT when it is not running. */
export function createConsoleTicket(vmId: string, options?: RequestOptions): Promise<ConsoleTicket> {
  return api.post<ConsoleTicket>(`/api/vms/${encodeURIComponent(vmId)}/console`, {}, options);
}

/** ws(s)://<this page's host><path>: the console is served from the page's own origin. */
export function consoleWebSocketUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

/** The tail of the VM's serial log; 404 for a VM that is not yours (admins read any). */
export function getSerialLog(vmId: string, bytes?: number): Promise<SerialLog> {
  return api.get<SerialLog>(`/api/vms/${encodeURIComponent(vmId)}/serial-log`, { bytes } satisfies SerialLogQuery);
}

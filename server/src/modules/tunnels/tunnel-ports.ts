import { config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { query, queryOne } from '../../platform/sql.js';
import { isDuplicate } from './tunnel-store.js';

// The public port pool, TUNNEL_PORT_MIN..MAX, cut into blocks of TUNNEL_PORTS_PER_USER: each
// user gets one block the first time they need a port (TunnelRange, unique start) and their
// tunnels take ports inside it (Tunnel.port, unique). Both are unique indexes in MariaDB, so no
// interleaving of requests, in one process or many, hands a port out twice: a loser of a race
// gets a duplicate-key error and tries the next candidate.

export interface PortRange { start: number; end: number }

const MAX_TRIES = 20;

export async function userRange(userId: string): Promise<PortRange> {
  const size = config.TUNNEL_PORTS_PER_USER;
  for (let i = 0; i < MAX_TRIES; i++) {
    const mine = await queryOne<{ start: number }>('SELECT start FROM TunnelRange WHERE userId = ?', [userId]);
    if (mine) return { start: mine.start, end: mine.start + size - 1 };
    const taken = new Set((await query<{ start: number }>('SELECT start FROM TunnelRange')).map((r) => r.start));
    const blocks = Math.floor((config.TUNNEL_PORT_MAX - config.TUNNEL_PORT_MIN + 1) / size);
    let start: number | undefined;
    for (let k = 0; k < blocks; k++) {
      const s = config.TUNNEL_PORT_MIN + k * size;
      if (!taken.has(s)) { start = s; break; }
    }
    if (start === undefined) throw new AppError('NO_CAPACITY', 'Every block of tunnel ports is taken; ask an administrator to widen the pool.');
    try {
      await query('INSERT INTO TunnelRange (userId, start) VALUES (?, ?)', [userId, start]);
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      // Another request took this block (or made this user's): read again.
    }
  }
  throw new AppError('SERVICE_UNAVAILABLE', 'Could not reserve a block of tunnel ports; try again.');
}

/** Free ports of the range, lowest first. */
export async function freePorts(range: PortRange): Promise<number[]> {
  const used = new Set((await query<{ port: number }>('SELECT port FROM Tunnel WHERE port BETWEEN ? AND ?', [range.start, range.end])).map((r) => r.port));
  const free: number[] = [];
  for (let p = range.start; p <= range.end; p++) if (!used.has(p)) free.push(p);
  return free;
}

export function assertInRange(port: number, range: PortRange): void {
  if (port < range.start || port > range.end) {
    throw new AppError('FORBIDDEN', `Port ${port} is outside your tunnel ports ${range.start}-${range.end}; ask for one of those, or 0 for any.`, { range });
  }
}

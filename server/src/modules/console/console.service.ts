import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { db } from '../../platform/db.js';
import { redis, rkey } from '../../platform/redis.js';
import { sha256 } from '../../platform/auth.js';
import { errors } from '../../platform/errors.js';
import { assertStreamRoom, driversFor, hostRuntime, targetOf } from '../hosts/host-connections.js';
import type { ConsoleTicketDto } from './console.schemas.js';
import { reserveConsoleSlot, type ConsoleSlot } from './console-sessions.js';

// The VM console: a short-lived, single-use ticket (bound to the user and the VM) lets the
// browser open a WebSocket, which is bridged to the domain's VNC port on the host's
// loopback through the host's existing SSH connection. The VNC port is never exposed.

export const TICKET_TTL_SECONDS = 30;

// Redis holds only the ticket's hash: a dump of Redis cannot be replayed as a ticket.
const ticketKey = (ticket: string) => rkey('console', sha256(ticket));
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface TicketRecord { userId: string; vmId: string }

const notRunning = (name: string, state: string) =>
  errors.conflict(`The console needs a running VM; ${name} is ${state}.`, { state });

async function ownVmWithHost(userId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, ownerId: userId, state: { not: 'deleted' } }, include: { host: true } });
  if (!vm) throw errors.notFound('VM');
  return vm;
}

export async function issueConsoleTicket(userId: string, vmId: string): Promise<ConsoleTicketDto> {
  const vm = await ownVmWithHost(userId, vmId);
  if (vm.state !== 'running' || !vm.host) throw notRunning(vm.name, vm.state);
  const ticket = randomBytes(32).toString('base64url');
  const record: TicketRecord = { userId, vmId: vm.id };
  await redis.set(ticketKey(ticket), JSON.stringify(record), 'EX', TICKET_TTL_SECONDS);
  return {
    ticket,
    expiresAt: new Date(Date.now() + TICKET_TTL_SECONDS * 1000).toISOString(),
    path: `/api/vms/${encodeURIComponent(vm.id)}/console/ws?ticket=${encodeURIComponent(ticket)}`,
  };
}

/** Consumes the ticket (whoever presents it: a ticket is good for one try) and says whether it was for this user and VM. */
export async function redeemConsoleTicket(ticket: string, userId: string, vmId: string): Promise<boolean> {
  if (!TICKET_PATTERN.test(ticket)) return false;
  const raw = await redis.getdel(ticketKey(ticket));
  if (!raw) return false;
  const rec = JSON.parse(raw) as TicketRecord;
  return rec.userId === userId && rec.vmId === vmId;
}

export interface ConsoleTunnel {
  channel: ClientChannel;
  vmName: string;
  hostName: string;
  /** Counts against the user's and the VM's console caps until released. */
  slot: ConsoleSlot;
}

/** A byte stream to the VM's VNC server, through the host's SSH connection. */
export async function openConsoleTunnel(userId: string, vmId: string): Promise<ConsoleTunnel> {
  const vm = await ownVmWithHost(userId, vmId);
  if (vm.state !== 'running' || !vm.host) throw notRunning(vm.name, vm.state);
  const { hypervisor } = await driversFor(vm.host);
  const { pool } = await hostRuntime();
  const target = targetOf(vm.host);
  // A console holds a channel for as long as it is open; never let consoles take the
  // slots that operations and health checks need.
  await assertStreamRoom(vm.host, 'consoles and terminals');
  const slot = await reserveConsoleSlot(userId, vm.id, vm.name);
  try {
    const vnc = await hypervisor.vncEndpoint(vm.domainName);
    if (!vnc) throw notRunning(vm.name, 'not running on its host');
    let channel;
    if ('socket' in vnc) {
      // The socket belongs to this run of the domain (its directory carries the domain id):
      // if the VM restarted since, the path is gone and the open fails; no other VM's screen.
      channel = await pool.openStreamLocal(target, vnc.socket).catch((e: unknown) => {
        throw Object.assign(errors.conflict(`${vm.name} restarted while its console was opening; open it again.`), { cause: e });
      });
    } else {
      // A domain defined before consoles used sockets: a TCP port on the host's loopback. The
      // port belongs to this domain only while the same instance runs: its id (new at every
      // start) is read before and after the forward connects, so a domain that stopped in
      // between (its port free for another VM to take) is never what the user is shown.
      const before = await hypervisor.domainInfo(vm.domainName);
      if (before?.id == null) throw notRunning(vm.name, 'not running on its host');
      channel = await pool.forwardOut(target, '127.0.0.1', vnc.port);
      const after = await hypervisor.domainInfo(vm.domainName).catch(() => null);
      if (after?.id !== before.id) {
        channel.close();
        throw errors.conflict(`${vm.name} restarted while its console was opening; open it again.`);
      }
    }
    return { channel, vmName: vm.name, hostName: vm.host.name, slot };
  } catch (e) {
    await slot.release();
    throw e;
  }
}

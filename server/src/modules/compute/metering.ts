import { db, type Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { forEachLimit } from '../../platform/concurrency.js';
import { config } from '../../config.js';
import { applyCredit } from '../credits/credits.service.js';
import { accountDisabled } from '../../platform/account-events.js';

// Credits pay for compute by the hour of its life: hour 0 at create, then hour k once
// `createdAt + k h` has passed. An instance is billed for what it holds, running or stopped (a
// kind may price a stopped one lower: a stopped VM pays for its disk only)
// (its quota stays reserved either way); hours it spends being made, broken or deleted are
// skipped, never charged later. Each hour is one ledger entry with a reference unique per user
// (`vm:<id>:h<k>`, `ct:<id>:h<k>`) and moves `billedHours` in the same transaction with a
// guard on its old value: two meters running at once, or one re-run after a crash, book every
// hour once. Owners who cannot pay have their running instances stopped (the kind says how).
// Each kind of compute (VMs, containers) is a MeteredKind; the one meter runs them all.

const HOUR_MS = 3_600_000;
const MAX_HOURS_PER_TICK = 48;

export interface MeteredRow { id: string; ownerId: string; state: string; createdAt: Date; billedHours: number; creditsPerHour: number; [column: string]: unknown }

export interface MeteredKind {
  kind: string;
  /** The table (a constant of the kind, never input): rows with id, ownerId, state, createdAt, billedHours, creditsPerHour. */
  table: 'Vm' | 'Container' | 'Volume';
  reason: string;
  reference(id: string, hour: number): string;
  billable: readonly string[];
  /** Moves the meter past `hour` when it is still there; false when another meter did first. */
  advance(id: string, hour: number, tx?: Tx): Promise<boolean>;
  /** More columns `price` reads (constants of the kind, never input). */
  extraColumns?: readonly string[];
  /** The hour's price and ledger reason; default: `creditsPerHour` and `reason`. */
  price?(row: MeteredRow): { amount: number; reason: string };
  /** Whether an unpaid hour of this row stops the owner's compute; default: yes. */
  stopsWhenUnpaid?(row: MeteredRow): boolean;
  /** Stops the owner's running instances of this kind (out of credits); returns how many. */
  stopOwner(ownerId: string): Promise<number>;
}

export interface MeterResult { charged: number; skipped: number; unpaid: number; stopping: number }

const kinds: MeteredKind[] = [];
export function registerMeteredKind(kind: MeteredKind): void {
  if (!kinds.some((k) => k.kind === kind.kind)) kinds.push(kind);
}

export async function meterKind(k: MeteredKind, now = Date.now()): Promise<MeterResult & { broke: Set<string> }> {
  const result = { charged: 0, skipped: 0, unpaid: 0, stopping: 0, broke: new Set<string>() };
  // Everything the meter needs in one read; the guarded UPDATE, not this snapshot, decides
  // whether an hour is still to book.
  const columns = ['id', 'ownerId', 'state', 'createdAt', 'billedHours', 'creditsPerHour', ...(k.extraColumns ?? [])].map((c) => `\`${c}\``).join(', ');
  const due = await db.$queryRawUnsafe<MeteredRow[]>(
    `SELECT ${columns} FROM \`${k.table}\`
     WHERE state <> 'deleted' AND createdAt <= ? AND TIMESTAMPDIFF(SECOND, createdAt, ?) >= billedHours * 3600`,
    new Date(now - HOUR_MS), new Date(now));
  // Owners side by side (METERING_CONCURRENCY at once), an owner's rows one after another: a
  // sweep is bound by commit latency, not by locks, and one owner's balance row is never
  // contended by the meter itself. 20,000 VMs one at a time were minutes (scripts/bench/scale.ts).
  const byOwner = new Map<string, MeteredRow[]>();
  for (const row of due) {
    const rows = byOwner.get(row.ownerId);
    if (rows) rows.push(row); else byOwner.set(row.ownerId, [row]);
  }
  await forEachLimit([...byOwner.values()], config.METERING_CONCURRENCY, async (rows) => {
    for (const row of rows) {
      const lastDue = Math.min(Math.floor((now - row.createdAt.getTime()) / HOUR_MS), row.billedHours + MAX_HOURS_PER_TICK - 1);
      const price = k.price?.(row) ?? { amount: row.creditsPerHour, reason: k.reason };
      const billable = k.billable.includes(row.state) && price.amount > 0;
      for (let hour = row.billedHours; hour <= lastDue; hour++) {
        const outcome = await db.$transaction(async (tx) => {
          if (!(await k.advance(row.id, hour, tx))) return 'raced' as const;
          if (!billable) return 'skipped' as const;
          await applyCredit(tx, { userId: row.ownerId, amount: -price.amount, reason: price.reason, reference: k.reference(row.id, hour) });
          return 'charged' as const;
        }).catch(async (e: unknown) => {
          if (!(e instanceof AppError)) throw e;
          // Out of credits (or, rarely, the hour already booked): the hour is not charged and
          // not owed; the meter moves on, and the owner's instances are stopped.
          await k.advance(row.id, hour);
          if (e.code === 'INSUFFICIENT_CREDITS') {
            if (k.stopsWhenUnpaid?.(row) ?? true) result.broke.add(row.ownerId);
            return 'unpaid' as const;
          }
          return 'skipped' as const;
        });
        if (outcome === 'raced') break;
        result[outcome]++;
      }
    }
  });
  return result;
}

/** Every kind, then every owner who could not pay an hour of any kind has all their running compute stopped. */
export async function meterCompute(now = Date.now()): Promise<MeterResult> {
  const total: MeterResult = { charged: 0, skipped: 0, unpaid: 0, stopping: 0 };
  const broke = new Set<string>();
  for (const k of kinds) {
    const r = await meterKind(k, now);
    total.charged += r.charged; total.skipped += r.skipped; total.unpaid += r.unpaid;
    for (const o of r.broke) broke.add(o);
  }
  for (const ownerId of broke) for (const k of kinds) total.stopping += await k.stopOwner(ownerId);
  await stopWhatDisabledAccountsRun();
  return total;
}

/**
 * An instance that was busy when its owner's account was disabled (being created, started)
 * could not be stopped then and finishes running: every tick stops what disabled accounts
 * still run, with the same listeners an admin's disable ran (which skip busy instances again).
 */
export async function stopWhatDisabledAccountsRun(): Promise<number> {
  const owners = await db.$queryRaw<{ ownerId: string }[]>`
    SELECT DISTINCT v.ownerId FROM Vm v JOIN \`User\` u ON u.id = v.ownerId WHERE u.status = 'disabled' AND v.state = 'running' AND v.currentOperationId IS NULL
    UNION SELECT DISTINCT c.ownerId FROM Container c JOIN \`User\` u ON u.id = c.ownerId WHERE u.status = 'disabled' AND c.state = 'running' AND c.currentOperationId IS NULL`;
  for (const { ownerId } of owners) await accountDisabled(ownerId);
  return owners.length;
}

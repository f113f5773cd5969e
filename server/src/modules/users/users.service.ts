import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { config } from '../../config.js';
import { db } from '../../platform/db.js';
import { accountDisabled } from '../../platform/account-events.js';
import { AppError, errors } from '../../platform/errors.js';
import { bumpAuthVersion, destroyUserSessions } from '../../platform/auth.js';
import { execute, queryOne } from '../../platform/sql.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Role, UserStatus } from '../../generated/prisma/enums.js';
import { createTrialQuota, quotaView, setQuotaLimits, type QuotaRow, type Resources } from '../quotas/quotas.service.js';
import { applyCredit } from '../credits/credits.service.js';
import { restoreAfterExtension } from '../trials/trial-ladder.js';
import { dropLiveTunnelsOf } from '../tunnels/tunnels.service.js';
import type { AdminUserDto, MeDto } from './users.schemas.js';

const DAY_MS = 86_400_000;

// argon2id with OWASP's second recommended profile (19 MiB, t=2): ~25 ms here, and
// memory-hard enough that a stolen table is expensive to attack.
export const hashPassword = (password: string) =>
  argon2.hash(password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export function trialDaysLeft(trialEndsAt: Date | null, now = Date.now()): number | null {
  if (!trialEndsAt) return null;
  return Math.max(0, Math.ceil((trialEndsAt.getTime() - now) / DAY_MS));
}

interface UserRow {
  id: string; email: string; displayName: string; role: Role; status: UserStatus;
  trialEndsAt: Date | null; creditBalance: number; createdAt: Date; emailVerifiedAt: Date | null; totpEnabledAt: Date | null;
}

export function toAdminUser(u: UserRow): AdminUserDto {
  return {
    id: u.id, email: u.email, displayName: u.displayName, role: u.role, status: u.status,
    trialEndsAt: u.trialEndsAt?.toISOString() ?? null,
    trialDaysLeft: trialDaysLeft(u.trialEndsAt),
    createdAt: u.createdAt.toISOString(),
    credits: { balance: u.creditBalance },
    emailVerified: u.emailVerifiedAt !== null,
    twoFactor: { enabled: u.totpEnabledAt !== null, required: u.role === 'admin' && config.REQUIRE_2FA_FOR_ADMINS },
  };
}

export function toMe(u: UserRow & { quota: QuotaRow | null }): MeDto {
  const base = toAdminUser(u);
  return {
    ...base,
    trialExpired: u.trialEndsAt !== null && u.trialEndsAt.getTime() <= Date.now(),
    quota: quotaView(u.quota),
  };
}

const userSelect = {
  id: true, email: true, displayName: true, role: true, status: true, trialEndsAt: true, creditBalance: true, createdAt: true,
  emailVerifiedAt: true, totpEnabledAt: true,
} as const;

export interface NewUser {
  email: string;
  password: string;
  displayName: string;
  role?: Role;
  /** Trial accounts get the trial quota, credits and end date; admins made by the seed do not expire. */
  trial: boolean;
  /** The address is known to be the person's (no link to follow). */
  emailVerified: boolean;
}

/** Creates a user with quota and opening credits in one transaction. */
export async function createUser(input: NewUser): Promise<MeDto> {
  const passwordHash = await hashPassword(input.password);
  const id = randomUUID();
  try {
    await db.$transaction(async (tx) => {
      await tx.user.create({
        data: {
          id, email: input.email, passwordHash, displayName: input.displayName, role: input.role ?? 'user',
          trialEndsAt: input.trial ? new Date(Date.now() + config.TRIAL_DAYS * DAY_MS) : null,
          emailVerifiedAt: input.emailVerified ? new Date() : null,
        },
      });
      await createTrialQuota(tx, id);
      if (input.trial && config.TRIAL_CREDITS > 0) {
        await applyCredit(tx, { userId: id, amount: config.TRIAL_CREDITS, reason: 'trial-grant', reference: 'trial-grant' });
      }
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('EMAIL_TAKEN', 'An account with this email already exists. Sign in instead.');
    }
    throw e;
  }
  return getMe(id);
}

interface MeRow extends UserRow {
  maxVcpus: number | null; maxMemoryMiB: number | null; maxDiskGiB: number | null; maxVms: number | null; maxContainers: number | null;
  usedVcpus: number | null; usedMemoryMiB: number | null; usedDiskGiB: number | null; usedVms: number | null; usedContainers: number | null; usedCpuMillis: number | null;
}

/** GET /api/me runs on every page view: one fixed join on the driver pool (see platform/sql.ts). */
export async function getMe(userId: string): Promise<MeDto> {
  const r = await queryOne<MeRow>(
    `SELECT u.id, u.email, u.displayName, u.role, u.status, u.trialEndsAt, u.creditBalance, u.createdAt, u.emailVerifiedAt, u.totpEnabledAt,
            q.maxVcpus, q.maxMemoryMiB, q.maxDiskGiB, q.maxVms, q.maxContainers, q.usedVcpus, q.usedMemoryMiB, q.usedDiskGiB, q.usedVms,
            q.usedContainers, q.usedCpuMillis
     FROM \`User\` u LEFT JOIN Quota q ON q.userId = u.id WHERE u.id = ?`, [userId]);
  if (!r) throw errors.notFound('User');
  const quota = r.maxVcpus === null ? null : (r as QuotaRow & UserRow);
  return toMe({ ...r, quota });
}

export async function listUsers(q: { q?: string; role?: Role; status?: UserStatus; page: number; pageSize: number }) {
  const where: Prisma.UserWhereInput = {
    ...(q.role ? { role: q.role } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.q ? { OR: [{ email: { contains: q.q } }, { displayName: { contains: q.q } }] } : {}),
  };
  const [rows, total] = await Promise.all([
    db.user.findMany({ where, select: userSelect, orderBy: { createdAt: 'desc' }, skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.user.count({ where }),
  ]);
  return { items: rows.map(toAdminUser), total, page: q.page, pageSize: q.pageSize };
}

const USER_COLUMNS = 'id, email, displayName, role, status, trialEndsAt, creditBalance, createdAt, emailVerifiedAt, totpEnabledAt';
const readUser = (id: string) => queryOne<UserRow>(`SELECT ${USER_COLUMNS} FROM \`User\` WHERE id = ?`, [id]);

/** A user as administrators see them, read after a change. */
export async function adminUserById(id: string): Promise<AdminUserDto> {
  const u = await readUser(id);
  if (!u) throw errors.notFound('User');
  return toAdminUser(u);
}

// Admin changes to a user are single-row statements on the driver (platform/sql.ts says why).
export async function updateUser(actorId: string, id: string, change: { role?: Role; status?: UserStatus }): Promise<AdminUserDto> {
  // An admin who locks themselves out leaves nobody to undo it.
  if (id === actorId && (change.status === 'disabled' || change.role === 'user')) {
    throw errors.conflict('You cannot disable or demote your own account.');
  }
  const sets: string[] = [];
  const values: unknown[] = [];
  if (change.role !== undefined) { sets.push('role = ?'); values.push(change.role); }
  if (change.status !== undefined) { sets.push('status = ?'); values.push(change.status); }
  if (sets.length) await execute(`UPDATE \`User\` SET ${sets.join(', ')}, updatedAt = NOW(3) WHERE id = ?`, [...values, id]);
  const u = await readUser(id);
  if (!u) throw errors.notFound('User');
  // The auth layer re-reads status on every request, so tokens stop at once too; sessions
  // are also dropped so nothing lingers if the account is enabled again later.
  if (sets.length) await bumpAuthVersion(id);
  if (change.status === 'disabled') {
    await destroyUserSessions(id);
    // Their running things stop now (data kept), their consoles close.
    await accountDisabled(id);
    await dropLiveTunnelsOf(id, 'closed: the account was disabled');
  }
  return toAdminUser(u);
}

/** Extends from the later of now and the current end, in one statement (no read-modify-write race). */
export async function extendTrial(id: string, days: number): Promise<AdminUserDto> {
  await execute(
    'UPDATE `User` SET trialEndsAt = GREATEST(NOW(3), COALESCE(trialEndsAt, NOW(3))) + INTERVAL ? DAY, updatedAt = NOW(3) WHERE id = ?',
    [days, id]);
  const u = await readUser(id);
  if (!u) throw errors.notFound('User');
  // What the trial ladder stopped starts again (what it has not deleted yet).
  if (u.trialEndsAt) await restoreAfterExtension(id, u.trialEndsAt);
  return toAdminUser(u);
}

/** An admin's grant (or claw-back) is a ledger entry like any other; the balance never goes below zero. */
export async function adjustCredits(id: string, amount: number, note: string): Promise<AdminUserDto> {
  try {
    await db.$transaction((tx) => applyCredit(tx, { userId: id, amount, reason: `admin: ${note}`.slice(0, 64), reference: `admin:${randomUUID()}` }));
  } catch (e) {
    // Taking away more than the user has is the admin's request refused, not the admin's balance
    // (the same code for API clients; the words and details are the admin's).
    if (!(e instanceof AppError && e.code === 'INSUFFICIENT_CREDITS')) throw e;
    const { credits } = await adminUserById(id);
    throw new AppError('INSUFFICIENT_CREDITS', `You asked to take away ${-amount} credits, but this user has ${credits.balance}: take away at most ${credits.balance}.`, { reason: 'take-away-exceeds-balance', balance: credits.balance, requested: -amount });
  }
  return adminUserById(id);
}

export async function setUserQuota(id: string, limits: Partial<Resources>) {
  if (!(await db.user.count({ where: { id } }))) throw errors.notFound('User');
  return setQuotaLimits(db, id, limits);
}

import { db, type Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { Prisma } from '../../generated/prisma/client.js';

// Credits are an append-only ledger. The balance on the user row moves in the same
// transaction as the entry, with a conditional UPDATE that refuses to go below zero;
// (userId, reference) is unique so the same charge can never be booked twice.

export interface CreditChange {
  userId: string;
  amount: number;
  reason: string;
  reference?: string;
}

export async function applyCredit(tx: Tx, change: CreditChange): Promise<{ balance: number; entryId: bigint }> {
  const affected = await tx.$executeRaw`
    UPDATE \`User\` SET creditBalance = creditBalance + ${change.amount}
    WHERE id = ${change.userId} AND creditBalance + ${change.amount} >= 0`;
  if (affected !== 1) {
    const exists = await tx.user.count({ where: { id: change.userId } });
    if (!exists) throw new AppError('NOT_FOUND', 'User was not found.');
    throw new AppError('INSUFFICIENT_CREDITS', `This needs ${-change.amount} credits; your balance is lower.`, { needed: -change.amount });
  }
  const { creditBalance } = await tx.user.findUniqueOrThrow({ where: { id: change.userId }, select: { creditBalance: true } });
  try {
    const entry = await tx.creditEntry.create({
      data: { userId: change.userId, amount: change.amount, balanceAfter: creditBalance, reason: change.reason, reference: change.reference ?? null },
      select: { id: true },
    });
    return { balance: creditBalance, entryId: entry.id };
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('CONFLICT', `Credits for ${change.reference} were already booked.`);
    }
    throw e;
  }
}

/** `vm:<id>:h<k>` (an hour), `vm:<id>:refund`: the VM an entry is about, so the ledger can name it. */
const VM_REFERENCE = /^vm:([0-9a-f-]{36}):(?:h(\d+)|[a-z-]+)$/;

export function parseVmReference(reference: string | null): { vmId: string; hour: number | null } | null {
  const m = reference ? VM_REFERENCE.exec(reference) : null;
  return m ? { vmId: m[1]!, hour: m[2] === undefined ? null : Number(m[2]) } : null;
}

export async function listCredits(userId: string, page: number, pageSize: number) {
  const [user, items, total] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { creditBalance: true } }),
    db.creditEntry.findMany({ where: { userId }, orderBy: { id: 'desc' }, skip: (page - 1) * pageSize, take: pageSize }),
    db.creditEntry.count({ where: { userId } }),
  ]);
  // The VMs the page's entries are about, deleted ones included (their name stays on the row).
  const vmIds = [...new Set(items.map((e) => parseVmReference(e.reference)?.vmId).filter((id): id is string => !!id))];
  const vms = vmIds.length ? await db.vm.findMany({ where: { id: { in: vmIds }, ownerId: userId }, select: { id: true, name: true } }) : [];
  const names = new Map(vms.map((v) => [v.id, v.name]));
  return {
    balance: user.creditBalance,
    items: items.map((e) => {
      const ref = parseVmReference(e.reference);
      const name = ref ? names.get(ref.vmId) : undefined;
      return {
        id: e.id.toString(), amount: e.amount, balanceAfter: e.balanceAfter, reason: e.reason, reference: e.reference, createdAt: e.createdAt.toISOString(),
        vm: ref && name !== undefined ? { id: ref.vmId, name, hour: ref.hour } : null,
      };
    }),
    total, page, pageSize,
  };
}

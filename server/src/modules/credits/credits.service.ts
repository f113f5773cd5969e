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

export async function listCredits(userId: string, page: number, pageSize: number) {
  const [user, items, total] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { creditBalance: true } }),
    db.creditEntry.findMany({ where: { userId }, orderBy: { id: 'desc' }, skip: (page - 1) * pageSize, take: pageSize }),
    db.creditEntry.count({ where: { userId } }),
  ]);
  return {
    balance: user.creditBalance,
    items: items.map((e) => ({
      id: e.id.toString(), amount: e.amount, balanceAfter: e.balanceAfter, reason: e.reason, reference: e.reference, createdAt: e.createdAt.toISOString(),
    })),
    total, page, pageSize,
  };
}

import { db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';

/**
 * Starting compute (a VM, a container) needs a live trial (or none) and credits for its next
 * hour; the meter stops what runs when either ends.
 */
export async function assertOwnerMayRun(ownerId: string, instance: { name: string; creditsPerHour: number }, plural: string): Promise<void> {
  const owner = await db.user.findUniqueOrThrow({ where: { id: ownerId }, select: { trialEndsAt: true, creditBalance: true, status: true } });
  // (Only an administrator can ask for this: a disabled owner cannot sign in.)
  if (owner.status === 'disabled') throw new AppError('ACCOUNT_DISABLED', `The owner of ${instance.name} is disabled, so it stays stopped; enable the account first.`);
  if (owner.trialEndsAt && owner.trialEndsAt.getTime() <= Date.now()) {
    throw new AppError('TRIAL_EXPIRED', `Your free trial has ended, so your ${plural} cannot run; ask an administrator to extend it.`);
  }
  if (owner.creditBalance < instance.creditsPerHour) {
    throw new AppError('INSUFFICIENT_CREDITS', `Running ${instance.name} costs ${instance.creditsPerHour} credits an hour; your balance is ${owner.creditBalance}.`, {
      needed: instance.creditsPerHour, balance: owner.creditBalance,
    });
  }
}

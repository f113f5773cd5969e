import type { Tx } from '../../platform/db.js';
import { db } from '../../platform/db.js';
import { AppError, errors, type ErrorCode } from '../../platform/errors.js';
import { createOperation, enqueueOperation, type OperationInitiator } from '../../platform/operations/operations.js';

// A compute instance (VM, container ...) is held by one operation at a time: its
// `currentOperationId` is set by a conditional UPDATE in the transaction that writes the
// operation row, so two requests can never both win. Each kind gives its table's UPDATE.

export interface ClaimableInstance<S extends string> {
  id: string;
  name: string;
  state: S;
  currentOperationId: string | null;
}

export interface InstanceClaim<S extends string, R = unknown> {
  from: S[];
  /** The state while the operation runs; absent: unchanged (the operation id marks it busy). */
  to?: S;
  kind: string;
  params: Record<string, unknown>;
  /** Who asks; the owner unless said (an admin, the platform's meter or trial ladder). */
  by?: OperationInitiator;
  /** What the refusal says when the instance is in another state ("start", "delete" ...). */
  action: string;
  /**
   * More work in the same transaction (a quota reservation), after the instance's row is locked
   * (where the table can lock it): what it computes from that row is what the claim commits. May
   * add to the operation's params.
   */
  inTx?: (tx: Tx, locked: R) => Promise<Record<string, unknown> | void>;
}

export interface ClaimTable<S extends string, R = unknown> {
  /** 'vm', 'container': the operation's target type and the words of refusals. */
  targetType: string;
  noun: string;
  busyCode: ErrorCode;
  /** The conditional UPDATE: claims the row when it is free and in one of `claim.from`; returns the rows changed. */
  claim(tx: Tx, id: string, claim: InstanceClaim<S, R>, operationId: string): Promise<number>;
  /** The row as it is now, locked until the commit (SELECT ... FOR UPDATE), for `inTx`. */
  lock?(tx: Tx, id: string): Promise<(R & { state: S; currentOperationId: string | null }) | undefined>;
  /** Who holds it now (for the refusal). */
  holder(tx: Tx, id: string): Promise<string | null>;
}

export const busyError = (code: ErrorCode, name: string, operationId: string | null) =>
  new AppError(code, `Another operation is running on ${name}; wait for it to finish.`, { operationId });

/** Claims the instance for one new operation and queues it; returns the operation id. */
export async function claimInstance<S extends string, R = unknown>(table: ClaimTable<S, R>, ownerId: string, instance: ClaimableInstance<S>, claim: InstanceClaim<S, R>): Promise<string> {
  if (instance.currentOperationId) throw busyError(table.busyCode, instance.name, instance.currentOperationId);
  if (!claim.from.includes(instance.state)) throw errors.conflict(`Cannot ${claim.action} a ${table.noun} that is ${instance.state}.`, { state: instance.state });
  const operationId = await db.$transaction(async (tx) => {
    let params = claim.params;
    if (claim.inTx) {
      // A change that finished since the read above (a resize, a revert) cannot slip between
      // what inTx computes and the claim.
      const locked = table.lock ? await table.lock(tx, instance.id) : undefined;
      if (table.lock) {
        if (!locked || locked.currentOperationId) throw busyError(table.busyCode, instance.name, locked?.currentOperationId ?? null);
        if (!claim.from.includes(locked.state)) throw errors.conflict(`Cannot ${claim.action} a ${table.noun} that is ${locked.state}.`, { state: locked.state });
      }
      params = { ...params, ...(await claim.inTx(tx, locked as R)) };
    }
    const opId = await createOperation(tx, { kind: claim.kind, targetType: table.targetType, targetId: instance.id, ownerId, params, by: claim.by ?? { kind: 'user', userId: ownerId } });
    if ((await table.claim(tx, instance.id, claim, opId)) !== 1) {
      throw busyError(table.busyCode, instance.name, await table.holder(tx, instance.id));
    }
    return opId;
  });
  await enqueueOperation(operationId, claim.kind);
  return operationId;
}

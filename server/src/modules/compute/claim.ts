import type { Tx } from '../../platform/db.js';
import { db } from '../../platform/db.js';
import { AppError, errors, type ErrorCode } from '../../platform/errors.js';
import { createOperation, enqueueOperation } from '../../platform/operations/operations.js';

// A compute instance (VM, container ...) is held by one operation at a time: its
// `currentOperationId` is set by a conditional UPDATE in the transaction that writes the
// operation row, so two requests can never both win. Each kind gives its table's UPDATE.

export interface ClaimableInstance<S extends string> {
  id: string;
  name: string;
  state: S;
  currentOperationId: string | null;
}

export interface InstanceClaim<S extends string> {
  from: S[];
  /** The state while the operation runs; absent: unchanged (the operation id marks it busy). */
  to?: S;
  kind: string;
  params: Record<string, unknown>;
  /** What the refusal says when the instance is in another state ("start", "delete" ...). */
  action: string;
  /** More work in the same transaction (a quota reservation). */
  inTx?: (tx: Tx) => Promise<void>;
}

export interface ClaimTable<S extends string> {
  /** 'vm', 'container': the operation's target type and the words of refusals. */
  targetType: string;
  noun: string;
  busyCode: ErrorCode;
  /** The conditional UPDATE: claims the row when it is free and in one of `claim.from`; returns the rows changed. */
  claim(tx: Tx, id: string, claim: InstanceClaim<S>, operationId: string): Promise<number>;
  /** Who holds it now (for the refusal). */
  holder(tx: Tx, id: string): Promise<string | null>;
}

export const busyError = (code: ErrorCode, name: string, operationId: string | null) =>
  new AppError(code, `Another operation is running on ${name}; wait for it to finish.`, { operationId });

/** Claims the instance for one new operation and queues it; returns the operation id. */
export async function claimInstance<S extends string>(table: ClaimTable<S>, ownerId: string, instance: ClaimableInstance<S>, claim: InstanceClaim<S>): Promise<string> {
  if (instance.currentOperationId) throw busyError(table.busyCode, instance.name, instance.currentOperationId);
  if (!claim.from.includes(instance.state)) throw errors.conflict(`Cannot ${claim.action} a ${table.noun} that is ${instance.state}.`, { state: instance.state });
  const operationId = await db.$transaction(async (tx) => {
    await claim.inTx?.(tx);
    const opId = await createOperation(tx, { kind: claim.kind, targetType: table.targetType, targetId: instance.id, ownerId, params: claim.params });
    if ((await table.claim(tx, instance.id, claim, opId)) !== 1) {
      throw busyError(table.busyCode, instance.name, await table.holder(tx, instance.id));
    }
    return opId;
  });
  await enqueueOperation(operationId, claim.kind);
  return operationId;
}

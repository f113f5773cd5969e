import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../db.js';
import { resetState } from '../../../test/harness.js';
import { createOperation, defineOperation, enqueueOperation, PermanentStepError, startOperationWorker, stopOperations, type StepRecord } from '../operations.js';

// Real BullMQ on the real Redis; the journal in the real database.
const log: string[] = [];
let flaky = 0;
let gate: { open: () => void; entered: boolean } | undefined;

defineOperation<{ failUntil?: number; permanent?: boolean; always?: boolean; block?: boolean }>({
  kind: 'test.saga',
  attempts: 3,
  steps: [
    { name: 'one', run: async (c) => { log.push('one'); await c.remember({ made: 'disk-1' }); }, compensate: async (c) => { log.push(`undo-one:${String(c.state.made)}`); } },
    {
      name: 'two',
      run: async (c) => {
        log.push('two');
        if (c.params.block && gate) { gate.entered = true; await new Promise<void>((r) => { gate!.open = r; }); }
        if (c.params.permanent) throw new PermanentStepError('the template is gone');
        if (c.params.always) throw new Error('host unreachable');
        if (flaky < (c.params.failUntil ?? 0)) { flaky++; throw new Error(`flaky ${flaky}`); }
      },
      compensate: async () => { log.push('undo-two'); },
    },
    { name: 'three', run: async () => { log.push('three'); } },
  ],
  onGaveUp: async () => { log.push('gave-up'); },
});

async function start(params: Record<string, unknown>) {
  const id = await db.$transaction((tx) => createOperation(tx, { kind: 'test.saga', targetType: 'test', targetId: randomUUID(), params }));
  await enqueueOperation(id, 'test.saga');
  return id;
}
const finished = async (id: string) => {
  await expect.poll(async () => (await db.operation.findUniqueOrThrow({ where: { id } })).finishedAt, { timeout: 15_000, interval: 50 }).not.toBeNull();
  return db.operation.findUniqueOrThrow({ where: { id } });
};

beforeAll(() => { startOperationWorker({ concurrency: 4 }); });
afterAll(async () => { await stopOperations(); });
beforeEach(async () => { await resetState(); log.length = 0; flaky = 0; });

describe('durable operations', () => {
  it('runs the steps in order and records each', async () => {
    const op = await finished(await start({}));
    expect(op.state).toBe('succeeded');
    expect(log).toEqual(['one', 'two', 'three']);
    expect((op.steps as unknown as StepRecord[]).map((s) => s.state)).toEqual(['done', 'done', 'done']);
    expect(op.attempts).toBe(1);
  });

  it('retries a failing step without redoing the done ones', async () => {
    const op = await finished(await start({ failUntil: 2 }));
    expect(op.state).toBe('succeeded');
    expect(log).toEqual(['one', 'two', 'two', 'two', 'three']);
    expect(op.attempts).toBe(3);
  });

  it('after the last attempt, undoes the done steps newest first and says why', async () => {
    const op = await finished(await start({ always: true }));
    expect(op.state).toBe('compensated');
    // The asker reads a sentence and the reference; what the step threw is for admins.
    expect(op.error).toBe(`An unexpected error stopped this step. Reference: ${op.id}.`);
    expect(op.errorDetail).toBe('host unreachable');
    expect(log).toEqual(['one', 'two', 'two', 'two', 'undo-two', 'undo-one:disk-1', 'gave-up']);
    expect((op.steps as unknown as StepRecord[]).map((s) => s.state)).toEqual(['compensated', 'compensated', 'pending']);
  });

  it('a permanent error compensates at once, without retries', async () => {
    const op = await finished(await start({ permanent: true }));
    expect(op.state).toBe('compensated');
    expect(op.attempts).toBe(1);
    expect(log.filter((l) => l === 'two')).toHaveLength(1);
  });

  it('a worker that dies mid-operation: another resumes it from the step it was in', async () => {
    gate = { open: () => {}, entered: false };
    const id = await start({ block: true });
    await expect.poll(() => gate!.entered, { timeout: 10_000 }).toBe(true);
    // The worker dies: its lock is no longer renewed; the job is stalled and picked up again.
    await stopOperations(true);
    gate = undefined;
    startOperationWorker({ concurrency: 4 });
    const op = await finished(id);
    expect(op.state).toBe('succeeded');
    expect(log.filter((l) => l === 'one')).toHaveLength(1);
    expect(log.slice(-2)).toEqual(['two', 'three']);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../db.js';
import { resetState } from '../../../test/harness.js';
import { closeOperationEnds, createOperation, defineOperation, enqueueOperation, PermanentStepError, requeueStranded, startOperationWorker, stopOperations, waitForOperationEnd, type StepRecord } from '../operations.js';

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

// Its end cannot be written the first time (as when the database is away for every attempt):
// the job fails, the row still says running.
let endUnwritable = false;
defineOperation<Record<string, never>>({
  kind: 'test.unwritable-end',
  attempts: 1,
  steps: [{ name: 'fail', run: async () => { throw new Error('host unreachable'); } }],
  onGaveUp: async () => {
    if (endUnwritable) { endUnwritable = false; throw new Error('database unavailable'); }
  },
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
afterAll(async () => { await stopOperations(); await closeOperationEnds(); });
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
    // The step that failed says which try it is on; the others, which never failed, say nothing.
    expect((op.steps as unknown as StepRecord[]).map((s) => [s.state, s.attempt])).toEqual([['done', undefined], ['done', 3], ['done', undefined]]);
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

  it('records each step as it starts and ends, one journal write per transition', async () => {
    gate = { open: () => {}, entered: false };
    const id = await start({ block: true });
    await expect.poll(() => gate!.entered, { timeout: 10_000 }).toBe(true);
    const mid = await db.operation.findUniqueOrThrow({ where: { id } });
    expect(mid.state).toBe('running');
    expect((mid.steps as unknown as StepRecord[]).map((s) => s.state)).toEqual(['done', 'running', 'pending']);
    gate.open();
    gate = undefined;
    const op = await finished(id);
    const steps = op.steps as unknown as StepRecord[];
    expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    for (const s of steps) expect(Date.parse(s.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt!));
  });

  it('a waiter hears the end at once, and gives up after its time when there is none', async () => {
    gate = { open: () => {}, entered: false };
    const id = await start({ block: true });
    await expect.poll(() => gate!.entered, { timeout: 10_000 }).toBe(true);
    const over = async () => ['succeeded', 'failed', 'compensated'].includes((await db.operation.findUniqueOrThrow({ where: { id } })).state);

    let t = Date.now();
    await waitForOperationEnd(id, 300, over);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    expect(await over()).toBe(false);

    t = Date.now();
    const waiting = waitForOperationEnd(id, 20_000, over);
    setTimeout(() => { gate!.open(); }, 200);
    await waiting;
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(await over()).toBe(true);
    gate = undefined;
    // Already over: answered without waiting.
    t = Date.now();
    await waitForOperationEnd(id, 20_000, over);
    expect(Date.now() - t).toBeLessThan(2_000);
  });

  it('an operation whose job failed without its end written is retried by the requeue and ends', async () => {
    endUnwritable = true;
    const id = await db.$transaction((tx) => createOperation(tx, { kind: 'test.unwritable-end', targetType: 'test', targetId: randomUUID(), params: {} }));
    await enqueueOperation(id, 'test.unwritable-end');
    await expect.poll(() => endUnwritable, { timeout: 10_000 }).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect((await db.operation.findUniqueOrThrow({ where: { id } })).state).toBe('running');
    expect(await requeueStranded(0)).toBe(1);
    const op = await finished(id);
    expect(op.state).toBe('compensated');
    // The asker reads a sentence and a reference; the host's own words are for admins.
    expect(op.error).toContain(`Reference: ${id}.`);
    expect(op.errorDetail).toBe('host unreachable');
  });
});

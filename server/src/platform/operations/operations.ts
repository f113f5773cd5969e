import { randomUUID } from 'node:crypto';
import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import { config } from '../../config.js';
import { db, type Tx } from '../db.js';
import { createRedis, redis } from '../redis.js';
import { publishOperationEnd } from './operation-ends.js';
import { logger } from '../logger.js';
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../metrics.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PermanentStepError, publicMessage, type OperationDef, type OperationInitiator, type OperationInput, type StepContext, type StepRecord } from './operation-types.js';

export * from './operation-types.js';
export { waitForOperationEnd, closeOperationEnds } from './operation-ends.js';

// Durable operations: the Operation row is the journal (the user's view), a BullMQ job per
// operation does the work (retries with backoff, multi-instance workers, stalled-job
// recovery when a worker dies). The job id is the operation id, so enqueueing twice is one job.

const QUEUE = 'operations';
// Every kind's params differ; the registry sees them as unknown (step methods are bivariant).
const defs = new Map<string, OperationDef<unknown>>();

export function defineOperation<P>(def: OperationDef<P>): OperationDef<P> {
  defs.set(def.kind, def as OperationDef<unknown>);
  return def;
}

/** Every registered kind (a test checks the SPA has words for each kind and step). */
export function operationDefinitions(): OperationDef<unknown>[] {
  return [...defs.values()];
}

/** The registered definition of an operation kind (tests reach in to make a step crash its worker). */
export function operationDefinition(kind: string): OperationDef<unknown> | undefined {
  return defs.get(kind);
}

const bullPrefix = () => `${config.REDIS_PREFIX}bull`;
let queue: Queue | undefined;
const connection = () => createRedis(config.REDIS_URL, { maxRetriesPerRequest: null });

function getQueue(): Queue {
  queue ??= new Queue(QUEUE, { connection: connection(), prefix: bullPrefix() });
  return queue;
}

// What an operator watches: how operations end and how long users wait for them, which
// steps fail, and how much work is queued (read from BullMQ at scrape time).
const finished = new Counter({
  name: 'operations_finished_total', help: 'Operations that reached an end state, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const, registers: [registry],
});
const duration = new Histogram({
  name: 'operation_duration_seconds', help: 'From the request that made an operation to its end state, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const, buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600], registers: [registry],
});
const stepFailures = new Counter({
  name: 'operation_step_failures_total', help: 'Failed step attempts (each retry counts), by kind and step',
  labelNames: ['kind', 'step'] as const, registers: [registry],
});
new Gauge({
  name: 'operation_queue_jobs', help: 'Operation jobs in the queue by BullMQ state (the whole platform, not one process)',
  labelNames: ['state'] as const, registers: [registry], aggregator: 'max',
  async collect() {
    const counts = await getQueue().getJobCounts('waiting', 'active', 'delayed', 'failed');
    for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
  },
});

export interface OperationEnd {
  id: string; kind: string; targetType: string; targetId: string; ownerId: string | null;
  outcome: 'succeeded' | 'compensated' | 'failed'; error: string | null;
  /** What the host said (administrators' view of the error). */
  detail: string | null;
}
const endListeners: ((end: OperationEnd) => Promise<void>)[] = [];

/** Modules hear how operations end (the process that ran the job tells, once): notifications. */
export function onOperationEnd(listener: (end: OperationEnd) => Promise<void>): void {
  endListeners.push(listener);
}

function recordEnd(row: Omit<OperationEnd, 'outcome' | 'error' | 'detail'> & { createdAt: Date }, outcome: OperationEnd['outcome'], error: string | null = null, detail: string | null = null) {
  finished.inc({ kind: row.kind, outcome });
  duration.observe({ kind: row.kind, outcome }, (Date.now() - row.createdAt.getTime()) / 1000);
  const end: OperationEnd = { id: row.id, kind: row.kind, targetType: row.targetType, targetId: row.targetId, ownerId: row.ownerId, outcome, error, detail };
  void publishOperationEnd(redis, row.id);
  for (const l of endListeners) l(end).catch((err: unknown) => logger.warn({ err, operationId: row.id }, 'an operation-end listener failed'));
}

export interface NewOperation<P> {
  kind: string;
  targetType: string;
  targetId: string;
  ownerId?: string | null;
  params: P;
  /** Who or what asked for it (shown in the task log). */
  by?: OperationInitiator;
}

/** Writes the operation row inside the caller's transaction; enqueue it after the commit. */
export async function createOperation<P>(tx: Tx, op: NewOperation<P>): Promise<string> {
  const def = defs.get(op.kind);
  if (!def) throw new Error(`Unknown operation kind ${op.kind}`);
  const id = randomUUID();
  const steps: StepRecord[] = def.steps.map((s) => ({ name: s.name, state: 'pending', startedAt: null, finishedAt: null, error: null }));
  const input: OperationInput<P> = { params: op.params, state: {}, ...(op.by ? { by: op.by } : {}) };
  await tx.operation.create({
    data: {
      id, kind: op.kind, targetType: op.targetType, targetId: op.targetId, ownerId: op.ownerId ?? null,
      steps: steps as unknown as Prisma.InputJsonValue, input: input as unknown as Prisma.InputJsonValue,
    },
  });
  return id;
}

export async function enqueueOperation(id: string, kind: string): Promise<void> {
  const def = defs.get(kind);
  await getQueue().add(kind, { id }, {
    jobId: id,
    attempts: def?.attempts ?? config.OPERATION_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.OPERATION_BACKOFF_MS },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1900);

async function runOperation(job: Job<{ id: string }>): Promise<void> {
  const row = await db.operation.findUnique({ where: { id: job.data.id } });
  if (!row || ['succeeded', 'failed', 'compensated'].includes(row.state)) return;
  const def = defs.get(row.kind);
  if (!def) throw new UnrecoverableError(`No definition for operation kind ${row.kind}`);
  const steps = row.steps as unknown as StepRecord[];
  const input = row.input as unknown as OperationInput<unknown>;
  const log = logger.child({ operationId: row.id, kind: row.kind });
  const save = (data: Prisma.OperationUpdateInput) => db.operation.update({ where: { id: row.id }, data });
  let current = -1;
  const persistSteps = (extra: Prisma.OperationUpdateInput = {}) =>
    save({ steps: steps as unknown as Prisma.InputJsonValue, ...extra });
  const ctx: StepContext<unknown> = {
    operationId: row.id, targetId: row.targetId, params: input.params, state: input.state, log,
    async remember(patch) {
      Object.assign(input.state, patch);
      await save({ input: input as unknown as Prisma.InputJsonValue });
    },
    async progress(done, total, detail) {
      const rec = steps[current];
      if (!rec) return;
      rec.progress = { done, total, ...(detail ? { detail } : {}) };
      await persistSteps();
    },
  };

  // One journal write per transition: a step's "done" and the next step's "running" are the
  // same write, and so are the operation's start and its first step's (the user sees the
  // same progress with half the round trips to the database).
  // A step that failed on an earlier attempt says which attempt this is (the SPA shows "retrying").
  const markRunning = (i: number) => Object.assign(steps[i]!, {
    state: 'running', startedAt: new Date().toISOString(), error: null, ...(steps[i]!.state === 'retrying' ? { attempt: job.attemptsMade + 1 } : {}),
  });
  const nextPending = (from: number) => { for (let i = from; i < def.steps.length; i++) if (steps[i]!.state !== 'done') return i; return -1; };
  let next = nextPending(0);
  if (next >= 0) markRunning(next);
  await save({
    state: 'running', attempts: { increment: 1 }, ...(row.startedAt ? {} : { startedAt: new Date() }), error: null,
    errorDetail: null, steps: steps as unknown as Prisma.InputJsonValue,
  });

  let failedAt = -1;
  let error = '';
  let detail = '';
  while (next >= 0) {
    const i = next;
    const rec = steps[i]!;
    current = i;
    try {
      await def.steps[i]!.run(ctx);
      Object.assign(rec, { state: 'done', finishedAt: new Date().toISOString() });
      next = nextPending(i + 1);
      // The last step's "done" is written with the operation's end state below.
      if (next >= 0) { markRunning(next); await persistSteps(); }
    } catch (e) {
      failedAt = i;
      detail = message(e);
      // The person who asked reads a sentence and a reference; admins read the detail.
      error = `${publicMessage(e)} Reference: ${row.id}.`;
      stepFailures.inc({ kind: row.kind, step: rec.name });
      const final = e instanceof PermanentStepError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // A failure that will be retried is shown as such, not as the operation's end.
      Object.assign(rec, { state: final ? 'failed' : 'retrying', finishedAt: new Date().toISOString(), error: publicMessage(e), detail });
      await persistSteps({ error, errorDetail: detail });
      log.warn({ step: rec.name, attempt: job.attemptsMade + 1, final, err: detail }, 'operation step failed');
      if (!final) throw e; // BullMQ retries the job; done steps are skipped next time.
      break;
    }
  }

  if (failedAt < 0) {
    await def.onSucceeded?.(ctx);
    await persistSteps({ state: 'succeeded', finishedAt: new Date(), error: null, errorDetail: null });
    recordEnd(row, 'succeeded');
    return;
  }

  // Gave up: undo what the done steps made, newest first.
  let clean = true;
  for (let i = failedAt; i >= 0; i--) {
    const step = def.steps[i]!;
    const rec = steps[i]!;
    if (!step.compensate || (rec.state !== 'done' && rec.state !== 'failed')) continue;
    try {
      await step.compensate(ctx);
      rec.state = 'compensated';
    } catch (e) {
      // The failed step may have made nothing, so failing to undo it is not a dirty ending;
      // failing to undo a step that completed is.
      if (i !== failedAt) clean = false;
      rec.error = `${rec.error ? `${rec.error}; ` : ''}undo failed: ${publicMessage(e)}`;
      rec.detail = `${rec.detail ? `${rec.detail}; ` : ''}undo failed: ${message(e)}`;
      log.error({ step: rec.name, err: message(e) }, 'compensation failed');
    }
    await persistSteps();
  }
  await def.onGaveUp?.(ctx, error);
  await save({ state: clean ? 'compensated' : 'failed', finishedAt: new Date(), error, errorDetail: detail });
  recordEnd(row, clean ? 'compensated' : 'failed', error, detail);
}

let worker: Worker | undefined;

export function startOperationWorker(opts: { concurrency?: number } = {}): Worker {
  worker ??= new Worker(QUEUE, runOperation, {
    connection: connection(),
    prefix: bullPrefix(),
    concurrency: opts.concurrency ?? config.OPERATION_CONCURRENCY,
    lockDuration: config.OPERATION_LOCK_MS,
    stalledInterval: config.OPERATION_LOCK_MS,
  });
  worker.on('error', (err) => logger.error({ err }, 'operation worker error'));
  return worker;
}

/** Stops the worker (waiting for running jobs unless `force`: tests use that to play a crash). */
export async function stopOperations(force = false): Promise<void> {
  await worker?.close(force);
  worker = undefined;
  await queue?.close();
  queue = undefined;
}

/**
 * Operations left without a worker are queued again: their enqueue was lost (the process died
 * right after the commit, or Redis restarted empty), or every attempt failed while the
 * database was away, so not even the failure could be written and the row still says
 * running. A failed job is retried as it is: done steps are skipped and the last attempt
 * compensates. Rows that have already had many tries are left to an admin.
 */
export async function requeueStranded(olderThanMs = 30_000): Promise<number> {
  const stranded = await db.operation.findMany({
    where: { state: { in: ['pending', 'running'] }, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true, kind: true, attempts: true },
  });
  let requeued = 0;
  for (const op of stranded) {
    const job = await getQueue().getJob(op.id);
    if (!job) {
      await enqueueOperation(op.id, op.kind);
      requeued++;
    } else if (op.attempts < 3 * config.OPERATION_ATTEMPTS && (await job.getState()) === 'failed') {
      await job.retry('failed');
      requeued++;
    }
  }
  return requeued;
}

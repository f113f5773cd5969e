import type { Logger } from '../logger.js';

// An operation is a named list of steps. Each step checks before it acts, so running it
// again after a retry or a crash is harmless; a step that created something says how to
// undo it (compensate). The runner records every transition in the Operation row.

/** `retrying`: this attempt failed and the job waits to run it again (not a failure yet). */
export type StepState = 'pending' | 'running' | 'retrying' | 'done' | 'failed' | 'compensated';

export interface StepRecord {
  name: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  /** For the person who asked: a sentence without host details. */
  error: string | null;
  /** For administrators: the failure as the host reported it. */
  detail?: string | null;
  /** How far a long step is (bytes copied, hosts done ...), when it says. */
  progress?: { done: number; total: number; detail?: string };
  /** The operation's run that last tried this step again after it failed (2, 3 ...); absent if it never failed. */
  attempt?: number;
}

/**
 * Who or what started an operation, kept with it so a task log can say so: the owner, an
 * admin (with the reason the owner reads), or the platform on its own (the meter, the trial
 * ladder), with a reason code.
 */
export interface OperationInitiator {
  kind: 'user' | 'admin' | 'platform';
  userId?: string;
  /** The person's display name when they acted (a later rename does not rewrite history). */
  name?: string;
  /** Why: an admin's words, or the platform's code ('credits', 'trial', 'trial-extended', 'trial-deleted'). */
  reason?: string;
}

export interface OperationInput<P> {
  params: P;
  /** Absent on operations made before it was recorded. */
  by?: OperationInitiator;
  /** Facts steps hand to later steps (paths, host id ...), persisted after each step. */
  state: Record<string, unknown>;
}

export interface StepContext<P> {
  operationId: string;
  targetId: string;
  params: P;
  state: Record<string, unknown>;
  /** Persists facts for later steps (and for a resumed run after a crash). */
  remember(patch: Record<string, unknown>): Promise<void>;
  /** Records how far the running step is (persisted; callers throttle it). */
  progress(done: number, total: number, detail?: string): Promise<void>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface StepDef<P> {
  name: string;
  run(ctx: StepContext<P>): Promise<void>;
  compensate?(ctx: StepContext<P>): Promise<void>;
}

export interface OperationDef<P> {
  kind: string;
  steps: StepDef<P>[];
  /** Attempts before giving up and compensating (BullMQ retries with exponential backoff). */
  attempts?: number;
  onSucceeded?(ctx: StepContext<P>): Promise<void>;
  /** After compensation (or a failed one): release what the request reserved. */
  onGaveUp?(ctx: StepContext<P>, error: string): Promise<void>;
}

/**
 * What the person who asked may read of a step's failure: a PermanentStepError or an error
 * that carries a `userMessage` (driver errors) says it in its own words; anything else is a
 * generic sentence. Host addresses, commands and stderr stay in the detail, for admins.
 */
export function publicMessage(e: unknown): string {
  if (e instanceof PermanentStepError) return e.message;
  const said = typeof e === 'object' && e !== null ? (e as { userMessage?: unknown }).userMessage : undefined;
  return typeof said === 'string' ? said : 'An unexpected error stopped this step.';
}

/**
 * An error no retry can fix (bad state, refused input): compensate at once. The message is what
 * the person who asked reads; `detail` (host, command, stderr) is for admins only.
 */
export class PermanentStepError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'PermanentStepError';
  }
}

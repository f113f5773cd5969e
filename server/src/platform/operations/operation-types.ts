import type { Logger } from '../logger.js';

// An operation is a named list of steps. Each step checks before it acts, so running it
// again after a retry or a crash is harmless; a step that created something says how to
// undo it (compensate). The runner records every transition in the Operation row.

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'compensated';

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
}

export interface OperationInput<P> {
  params: P;
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

/** An error no retry can fix (bad state, refused input): compensate at once. */
export class PermanentStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentStepError';
  }
}

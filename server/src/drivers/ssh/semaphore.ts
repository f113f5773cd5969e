// A counting semaphore with FIFO queues: the per-host cap on open SSH channels. sshd refuses
// channels beyond MaxSessions (10 by default), so the pool never asks for more than `limit`.
// `reserved` slots are only for priority holders (health probes), so a flood of ordinary work
// cannot make a host look unreachable; ordinary waiters are bounded in number and in time, so
// one user's burst fails fast in words instead of stalling everyone behind it.

export type Release = () => void;

export interface SemaphoreOptions {
  /** Slots only priority holders may take. */
  reserved?: number;
  /** Ordinary waiters beyond this are refused at once. */
  maxQueue?: number;
  /** How long an ordinary waiter waits before it is refused. */
  waitMs?: number;
}

/** Why a slot was not given: the queue was full, or the wait ran out. */
export class SlotRefusedError extends Error {
  constructor(readonly reason: 'queue-full' | 'wait-timeout', readonly queued: number) {
    super(reason === 'queue-full' ? `${queued} requests are already waiting` : 'no slot became free in time');
  }
}

interface Waiter { grant: () => void; refuse: (e: Error) => void; timer?: NodeJS.Timeout }

export class Semaphore {
  private active = 0;
  private peakActive = 0;
  private readonly waiters: Waiter[] = [];
  private readonly priorityWaiters: Waiter[] = [];
  private readonly reserved: number;
  private readonly maxQueue: number;
  private readonly waitMs: number;

  constructor(readonly limit: number, options: SemaphoreOptions = {}) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`A semaphore needs a limit of at least 1, not ${limit}`);
    this.reserved = Math.min(Math.max(0, options.reserved ?? 0), limit - 1);
    this.maxQueue = options.maxQueue ?? Infinity;
    this.waitMs = options.waitMs ?? Infinity;
  }

  /**
   * Resolves with a release function once a slot is free; release is safe to call twice.
   * An ordinary caller is refused (SlotRefusedError) when the queue is full or its wait runs out.
   */
  async acquire(priority = false): Promise<Release> {
    const queue = priority ? this.priorityWaiters : this.waiters;
    if (queue.length === 0 && this.room(priority)) this.take();
    else {
      if (!priority && this.waiters.length >= this.maxQueue) throw new SlotRefusedError('queue-full', this.waiters.length);
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = { grant: resolve, refuse: reject };
        if (!priority && Number.isFinite(this.waitMs)) {
          w.timer = setTimeout(() => {
            const i = this.waiters.indexOf(w);
            if (i >= 0) this.waiters.splice(i, 1);
            reject(new SlotRefusedError('wait-timeout', this.waiters.length));
          }, this.waitMs);
          w.timer.unref();
        }
        queue.push(w);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.dispatch();
    };
  }

  private room(priority: boolean): boolean {
    return this.active < (priority ? this.limit : this.limit - this.reserved);
  }

  /** Hands free slots straight to waiters (priority first) so a newcomer cannot overtake them. */
  private dispatch(): void {
    for (;;) {
      const queue = this.priorityWaiters.length && this.room(true) ? this.priorityWaiters : this.waiters.length && this.room(false) ? this.waiters : null;
      const next = queue?.shift();
      if (!next) return;
      if (next.timer) clearTimeout(next.timer);
      this.take();
      next.grant();
    }
  }

  private take(): void {
    this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
  }

  get stats(): { active: number; queued: number; peak: number; limit: number } {
    return { active: this.active, queued: this.waiters.length + this.priorityWaiters.length, peak: this.peakActive, limit: this.limit };
  }
}

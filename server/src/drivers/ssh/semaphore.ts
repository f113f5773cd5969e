// A counting semaphore with a FIFO queue: the per-host cap on open SSH channels. sshd refuses
// channels beyond MaxSessions (10 by default), so the pool never asks for more than `limit`.

export type Release = () => void;

export class Semaphore {
  private active = 0;
  private peakActive = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`A semaphore needs a limit of at least 1, not ${limit}`);
  }

  /** Resolves with a release function once a slot is free; release is safe to call twice. */
  async acquire(): Promise<Release> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.take();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Hand the slot straight to the next waiter so a newcomer cannot overtake it.
      if (next) next();
      else this.active--;
    };
  }

  private take(): void {
    this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
  }

  get stats(): { active: number; queued: number; peak: number; limit: number } {
    return { active: this.active, queued: this.waiters.length, peak: this.peakActive, limit: this.limit };
  }
}

// Natural batching: the first row is written at once; rows that arrive while a write is in
// flight go together in the next one. At low load nothing waits; under load one INSERT (and
// one commit) serves many requests. Each add() resolves only when its row is stored.

interface Pending<T> { row: T; resolve: () => void; reject: (e: unknown) => void }

export class BatchWriter<T> {
  private pending: Pending<T>[] = [];
  private writing = false;

  constructor(private readonly write: (rows: T[]) => Promise<unknown>, private readonly maxBatch = 500) {}

  add(row: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.write(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.writing = false;
  }
}

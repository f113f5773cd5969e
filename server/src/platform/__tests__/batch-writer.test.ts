import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../batch-writer.js';

describe('BatchWriter', () => {
  it('writes the first row at once and groups rows that arrive during a write', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const w = new BatchWriter<number>(async (rows) => {
      batches.push(rows);
      if (batches.length === 1) await new Promise<void>((r) => { release = r; });
    });
    const first = w.add(1);
    const rest = [2, 3, 4].map((n) => w.add(n));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every row of a failed batch and keeps going', async () => {
    let fail = true;
    const w = new BatchWriter<number>(async () => { if (fail) { fail = false; throw new Error('db down'); } });
    await expect(w.add(1)).rejects.toThrow('db down');
    await expect(w.add(2)).resolves.toBeUndefined();
  });
});

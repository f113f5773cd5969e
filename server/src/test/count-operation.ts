import { setTimeout as sleep } from 'node:timers/promises';
import { defineOperation } from '../platform/operations/operations.js';
import { redis, rkey } from '../platform/redis.js';

// A test operation whose one step notes which process ran it (a Redis list), so tests with
// several processes can count how often each operation's work was done.
export const ranKey = () => rkey('test', 'operation-ran');
/** Where server-process.ts's every-second schedule notes its runs. */
export const tickKey = () => rkey('test', 'ticks');

defineOperation<{ ms: number }>({
  kind: 'test.count',
  attempts: 1,
  steps: [{
    name: 'count',
    run: async (ctx) => {
      await redis.rpush(ranKey(), `${process.pid} ${ctx.operationId}`);
      await sleep(ctx.params.ms);
    },
  }],
});

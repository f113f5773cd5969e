import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redisRunCoordinator } from '../schedules.js';

// node-cron asks the coordinator before each tick in every instance; Redis elects one.
describe('schedule ticks across instances', () => {
  it('elects exactly one runner per tick, and a new one for the next tick', async () => {
    const tick = `test-task:${randomUUID()}`;
    const votes = await Promise.all(Array.from({ length: 10 }, () => redisRunCoordinator.shouldRun(tick, 5_000)));
    expect(votes.filter(Boolean)).toHaveLength(1);
    expect(await redisRunCoordinator.shouldRun(`${tick}:next`, 5_000)).toBe(true);
  });
});

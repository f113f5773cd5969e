import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import { redis, rkey } from './redis.js';
import { logger } from './logger.js';

// Schedules fire from node-cron in every instance; a Redis claim per tick (SET NX with a
// lease) elects one instance, so the cluster runs each tick exactly once.

export const redisRunCoordinator: RunCoordinator = {
  async shouldRun(key, ttlMs) {
    const ok = await redis.set(rkey('tick', key), String(process.pid), 'PX', Math.max(1000, ttlMs), 'NX');
    return ok === 'OK';
  },
};

const tasks: ScheduledTask[] = [];

export function schedule(name: string, expression: string, run: (tick: Date) => Promise<void>): ScheduledTask {
  const task = cron.schedule(
    expression,
    async (ctx) => {
      try {
        await run(ctx.date);
      } catch (err) {
        logger.error({ err, schedule: name }, 'scheduled task failed');
      }
    },
    { name, noOverlap: true, distributed: true, runCoordinator: redisRunCoordinator },
  );
  tasks.push(task);
  return task;
}

export async function stopSchedules(): Promise<void> {
  await Promise.all(tasks.splice(0).map((t) => t.destroy()));
}

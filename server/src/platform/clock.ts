import { config } from '../config.js';
import { redis, rkey } from './redis.js';

// The platform's idea of "now" for schedules that act on dates (the trial ladder). Always the
// system clock in production; with CLOCK_SOURCE=redis (tests only, see config.ts) a test moves
// it for every server process at once by writing an offset in milliseconds to one Redis key.

export const CLOCK_OFFSET_KEY = () => rkey('test', 'clock-offset-ms');

/** "Now" in milliseconds, read once per scheduled run. */
export async function platformNow(): Promise<number> {
  if (config.CLOCK_SOURCE !== 'redis') return Date.now();
  const offset = Number(await redis.get(CLOCK_OFFSET_KEY())) || 0;
  return Date.now() + offset;
}

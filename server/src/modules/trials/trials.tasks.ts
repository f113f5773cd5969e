import { config } from '../../config.js';
import { platformNow } from '../../platform/clock.js';
import { schedule } from '../../platform/schedules.js';
import { runTrialLadder } from './trial-ladder.js';

/** The trial ladder: once per tick across all instances (each step is also claimed once in the database). */
export function scheduleTrialTasks() {
  return schedule('trial-ladder', config.TRIAL_LADDER_CRON, async () => { await runTrialLadder(await platformNow()); });
}

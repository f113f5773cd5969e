// A whole server instance in its own process (HTTP, consoles, operation worker, schedules), as
// a site runs several behind a load balancer; tests start two and kill them by pid. It adds a
// test schedule firing every second and a test operation, each noting which process ran it.
import { schedule } from '../platform/schedules.js';
import { redis } from '../platform/redis.js';
import { tickKey } from './count-operation.js';

schedule('test-every-second', '* * * * * *', async (tick) => {
  await redis.rpush(tickKey(), `${process.pid} ${tick.toISOString()}`);
});

await import('../serve.js');

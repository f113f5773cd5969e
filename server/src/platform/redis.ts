import { Redis, type RedisOptions } from 'ioredis';
import { config } from '../config.js';
import { logger } from './logger.js';

/**
 * A Redis client whose connection errors are logged (once per 10 s while they last), not
 * printed by ioredis as "Unhandled error event" on every reconnect attempt: Redis restarting
 * is an outage the platform rides out (requests fail in the error shape, operations retry).
 */
export function createRedis(url = config.REDIS_URL, options: RedisOptions = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }): Redis {
  const client = new Redis(url, options);
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: err.message }, 'redis connection error (retrying)');
  });
  return client;
}

export const redis = createRedis();

/** Namespaced key: every key the platform writes carries the configured prefix. */
export const rkey = (...parts: string[]) => config.REDIS_PREFIX + parts.join(':');

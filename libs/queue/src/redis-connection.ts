import IORedis, { RedisOptions } from 'ioredis';

/**
 * Producer-side Redis connection: fails fast when Redis is down (no offline queue), so callers
 * learn at once and the outbox keeps the work for later instead of holding it in memory.
 */
export function createProducerConnection(redisUrl: string, overrides: RedisOptions = {}): IORedis {
  return new IORedis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...overrides,
  });
}

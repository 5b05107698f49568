import { Redis } from 'ioredis';
import type { Config } from './config';
import { InProcessRedis } from './in-process-redis';
import type { Logger } from './logger';
import { redisTls } from './tls';

export type { Redis };

/**
 * The one way services connect to Redis: bounded retries per command, errors logged not thrown.
 * A `memory:` URL gives the in-process Redis that every client in the process shares.
 */
export function createRedis(
  config: Pick<Config, 'REDIS_URL'> & Parameters<typeof redisTls>[0],
  log: Logger,
): Redis {
  if (config.REDIS_URL.startsWith('memory:')) return new InProcessRedis();
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    enableAutoPipelining: true,
    // REDIS_TLS_* for a rediss:// URL; without them ioredis verifies against the system's CAs.
    tls: redisTls(config),
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // Reconnect attempts repeat the same error; log each distinct one once.
    if (error.message !== lastError) log.warn({ err: error }, 'Redis connection error');
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = '';
  });
  return redis;
}

/** Closes a connection: gracefully when it is up, at once when it is not (QUIT would wait forever). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}

/** Whether the connection to Redis is down (between reconnect attempts, or closed for good). */
export function redisAway(redis: Redis): boolean {
  return ['reconnecting', 'close', 'end'].includes(redis.status);
}

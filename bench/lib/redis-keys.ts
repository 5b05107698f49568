import type { Redis } from '@tradesage/shared';

/** Every key under the prefix (SCAN: a bench may; the services never do). */
export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key under the prefix; returns how many. DEL, not UNLINK: freed at once. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}

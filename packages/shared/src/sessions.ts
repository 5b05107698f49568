import type { Redis } from 'ioredis';

/**
 * The session store in Redis. Keys carry a `{t:<tenant>}` hash tag so that all of a tenant's keys
 * land in one Redis Cluster slot: a hash per session and a set of session ids per user.
 */
export interface SessionRecord {
  id: string;
  tenantId: string;
  userId: string;
  deviceType: string;
  deviceName?: string;
  os?: string;
  browser?: string;
  ipAddress?: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private sessionKey(tenantId: string, sessionId: string): string {
    return `${this.prefix}{t:${tenantId}}:session:${sessionId}`;
  }

  /** Every live session of a tenant, scored by its expiry time (ms), for O(log n) counts. */
  private tenantSessionsKey(tenantId: string): string {
    return `${this.prefix}{t:${tenantId}}:sessions`;
  }

  private userSessionsKey(tenantId: string, userId: string): string {
    return `${this.prefix}{t:${tenantId}}:user:${userId}:sessions`;
  }

  async save(session: SessionRecord): Promise<void> {
    const ttlSeconds = Math.max(1, Math.ceil((Date.parse(session.expiresAt) - Date.now()) / 1000));
    const fields = Object.fromEntries(
      Object.entries(session).filter(([, value]) => value !== undefined),
    ) as Record<string, string>;
    await this.redis
      .multi()
      .hset(this.sessionKey(session.tenantId, session.id), fields)
      .expire(this.sessionKey(session.tenantId, session.id), ttlSeconds)
      .sadd(this.userSessionsKey(session.tenantId, session.userId), session.id)
      .zadd(this.tenantSessionsKey(session.tenantId), Date.parse(session.expiresAt), session.id)
      .exec();
  }

  /** Sessions of the tenant that have not expired; expired entries are trimmed on the way. */
  async countActive(tenantId: string): Promise<number> {
    const key = this.tenantSessionsKey(tenantId);
    const now = Date.now();
    const [, count] = await Promise.all([
      this.redis.zremrangebyscore(key, '-inf', now),
      this.redis.zcount(key, now, '+inf'),
    ]);
    return count;
  }

  /** The user's live sessions; ids whose hash has expired are pruned from the user's set. */
  async listForUser(tenantId: string, userId: string): Promise<SessionRecord[]> {
    const ids = await this.redis.smembers(this.userSessionsKey(tenantId, userId));
    if (ids.length === 0) return [];
    const hashes = await Promise.all(
      ids.map((id) => this.redis.hgetall(this.sessionKey(tenantId, id))),
    );
    const expired = ids.filter((_, i) => Object.keys(hashes[i]).length === 0);
    if (expired.length > 0)
      await this.redis.srem(this.userSessionsKey(tenantId, userId), ...expired);
    return hashes
      .filter((hash) => Object.keys(hash).length > 0)
      .map((hash) => hash as unknown as SessionRecord)
      .filter((session) => session.tenantId === tenantId && session.userId === userId)
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }
}

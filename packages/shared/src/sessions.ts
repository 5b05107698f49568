import { randomBytes, randomUUID } from 'node:crypto';
import { sha256Hex } from './digest';
import type { Redis } from 'ioredis';
import type { DeviceInfo } from './devices';
import type { EventBus, EventStream } from './events';

/**
 * The session store in Redis. Keys carry a `{t:<scope>}` hash tag, so that all of a tenant's
 * keys land in one Redis Cluster slot: a hash per session, a set of session ids per user, a
 * sorted set of the tenant's sessions by expiry, and per session the hashes of refresh tokens
 * already rotated (to recognise reuse). Operators' sessions use the scope PLATFORM_SCOPE.
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

/** The session scope of platform operators, who belong to no tenant. */
export const PLATFORM_SCOPE = 'platform';

export interface NewSession {
  tenantId: string;
  userId: string;
  device: DeviceInfo;
  ipAddress?: string;
  /** The absolute lifetime: neither the session nor its refresh tokens outlive it. */
  ttlSeconds: number;
}

export type RefreshOutcome =
  | { outcome: 'rotated'; session: SessionRecord; refreshToken: string }
  /** A token that was already rotated came back: the session (the token family) has ended. */
  | { outcome: 'reused'; session: SessionRecord }
  | { outcome: 'invalid' };

export type RevocationReason =
  'LOGOUT' | 'REFRESH_REUSE' | 'IDLE' | 'PASSWORD_RESET' | 'REVOKED' | 'USER_DISABLED';

/** Fields of the session hash that are not part of the record clients see. */
const REFRESH_HASH = 'refreshHash';
const REFRESHED_AT = 'refreshedAtMs';

/**
 * Rotation in one atomic step, so that two requests with the same token cannot both succeed:
 * the first rotates, the second finds a rotated token and ends the session.
 * KEYS: session hash, rotated-hash set. ARGV: presented hash, new hash, now (ms), idle (ms), now (ISO).
 */
const ROTATE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], '${REFRESH_HASH}')
if not current then return 'invalid' end
if current == ARGV[1] then
  local refreshedAt = tonumber(redis.call('HGET', KEYS[1], '${REFRESHED_AT}') or '0')
  if refreshedAt + tonumber(ARGV[4]) < tonumber(ARGV[3]) then return 'idle' end
  redis.call('HSET', KEYS[1], '${REFRESH_HASH}', ARGV[2], '${REFRESHED_AT}', ARGV[3], 'lastSeenAt', ARGV[5])
  redis.call('SADD', KEYS[2], ARGV[1])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  return 'rotated'
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 'reused'
end
return 'invalid'
`;

/** `rt1.<scope>.<session id>.<secret>`: the scope and session find the hash without an index. */
const REFRESH_TOKEN = /^rt1\.([a-z0-9-]{1,36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** When given, every revocation is published (session.revoked), so caches drop the session. */
    private readonly bus?: EventBus,
    /** When given, every revocation also becomes an entry of the user's activity. */
    private readonly streams?: EventStream,
  ) {}

  private sessionKey(tenantId: string, sessionId: string): string {
    return `${this.prefix}{t:${tenantId}}:session:${sessionId}`;
  }

  private rotatedKey(tenantId: string, sessionId: string): string {
    return `${this.prefix}{t:${tenantId}}:session:${sessionId}:rotated`;
  }

  /** Every live session of a tenant, scored by its expiry time (ms), for O(log n) counts. */
  private tenantSessionsKey(tenantId: string): string {
    return `${this.prefix}{t:${tenantId}}:sessions`;
  }

  private userSessionsKey(tenantId: string, userId: string): string {
    return `${this.prefix}{t:${tenantId}}:user:${userId}:sessions`;
  }

  /** Opens a session and returns its first refresh token (only its hash is stored). */
  async create(input: NewSession): Promise<{ session: SessionRecord; refreshToken: string }> {
    const now = new Date();
    const id = randomUUID();
    const session: SessionRecord = {
      id,
      tenantId: input.tenantId,
      userId: input.userId,
      deviceType: input.device.type,
      deviceName: input.device.name,
      os: input.device.os,
      browser: input.device.browser,
      ipAddress: input.ipAddress,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000).toISOString(),
    };
    const refreshToken = this.newRefreshToken(input.tenantId, id);
    await this.save(session, {
      [REFRESH_HASH]: sha256Hex(refreshToken),
      [REFRESHED_AT]: String(now.getTime()),
    });
    return { session, refreshToken };
  }

  async save(session: SessionRecord, internal: Record<string, string> = {}): Promise<void> {
    const ttlMs = Math.max(1000, Date.parse(session.expiresAt) - Date.now());
    const fields = Object.fromEntries(
      Object.entries({ ...session, ...internal }).filter(([, value]) => value !== undefined),
    ) as Record<string, string>;
    const key = this.sessionKey(session.tenantId, session.id);
    await this.redis
      .multi()
      .hset(key, fields)
      .pexpire(key, ttlMs)
      .sadd(this.userSessionsKey(session.tenantId, session.userId), session.id)
      .zadd(this.tenantSessionsKey(session.tenantId), Date.parse(session.expiresAt), session.id)
      .exec();
  }

  async get(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    const hash = await this.redis.hgetall(this.sessionKey(tenantId, sessionId));
    return toRecord(hash);
  }

  /**
   * Exchanges a refresh token for a new one. A token that was already rotated ends its session
   * ('reused'), as does one presented after the idle timeout; anything else is 'invalid'.
   */
  async rotateRefreshToken(token: string, idleTtlSeconds: number): Promise<RefreshOutcome> {
    const session = await this.sessionOfRefreshToken(token);
    if (!session) return { outcome: 'invalid' };
    const { tenantId, id: sessionId } = session;
    const next = this.newRefreshToken(tenantId, sessionId);
    const now = new Date();
    const result = (await this.redis.eval(
      ROTATE_SCRIPT,
      2,
      this.sessionKey(tenantId, sessionId),
      this.rotatedKey(tenantId, sessionId),
      sha256Hex(token),
      sha256Hex(next),
      now.getTime(),
      idleTtlSeconds * 1000,
      now.toISOString(),
    )) as 'rotated' | 'reused' | 'idle' | 'invalid';
    switch (result) {
      case 'rotated':
        return {
          outcome: 'rotated',
          session: { ...session, lastSeenAt: now.toISOString() },
          refreshToken: next,
        };
      case 'reused':
        await this.forget(session, 'REFRESH_REUSE');
        return { outcome: 'reused', session };
      case 'idle':
        await this.revoke(tenantId, sessionId, 'IDLE');
        return { outcome: 'invalid' };
      default:
        return { outcome: 'invalid' };
    }
  }

  /** Whether the session is live (one O(1) EXISTS). */
  async exists(tenantId: string, sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.sessionKey(tenantId, sessionId))) === 1;
  }

  /** The live session a refresh token names (whether or not the token is its current one). */
  async sessionOfRefreshToken(token: string): Promise<SessionRecord | null> {
    const match = REFRESH_TOKEN.exec(token);
    return match ? this.get(match[1], match[2]) : null;
  }

  /** Ends a session at once; its refresh tokens die with it. Returns it if it was live. */
  async revoke(
    tenantId: string,
    sessionId: string,
    reason: RevocationReason,
  ): Promise<SessionRecord | null> {
    const session = await this.get(tenantId, sessionId);
    if (!session) return null;
    await this.forget(session, reason);
    return session;
  }

  /** Ends every session of a user (password reset, disabled account), but `exceptSessionId`. */
  async revokeAllForUser(
    tenantId: string,
    userId: string,
    reason: RevocationReason,
    exceptSessionId?: string,
  ): Promise<SessionRecord[]> {
    const sessions = await this.listForUser(tenantId, userId);
    const ended = sessions.filter((session) => session.id !== exceptSessionId);
    await Promise.all(ended.map((session) => this.forget(session, reason)));
    return ended;
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
      .map(toRecord)
      .filter((session): session is SessionRecord => session !== null)
      .filter((session) => session.tenantId === tenantId && session.userId === userId)
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }

  private async forget(session: SessionRecord, reason: RevocationReason): Promise<void> {
    const { tenantId, id, userId } = session;
    await this.redis
      .multi()
      .del(this.sessionKey(tenantId, id), this.rotatedKey(tenantId, id))
      .srem(this.userSessionsKey(tenantId, userId), id)
      .zrem(this.tenantSessionsKey(tenantId), id)
      .exec();
    await this.bus?.publish('session.revoked', { tenantId, sessionId: id, userId, reason });
    if (tenantId !== PLATFORM_SCOPE)
      await this.streams?.append('activity', {
        id: randomUUID(),
        tenantId,
        userId,
        type: 'SESSION_REVOKED',
        at: new Date().toISOString(),
        metadata: { sessionId: id, reason },
      });
  }

  private newRefreshToken(scope: string, sessionId: string): string {
    return `rt1.${scope}.${sessionId}.${randomBytes(32).toString('base64url')}`;
  }
}

/** The client-visible record from a session hash (internal fields dropped), or null if none. */
function toRecord(hash: Record<string, string>): SessionRecord | null {
  if (Object.keys(hash).length === 0 || !hash.id) return null;
  const record: Record<string, string> = { ...hash };
  delete record[REFRESH_HASH];
  delete record[REFRESHED_AT];
  return record as unknown as SessionRecord;
}

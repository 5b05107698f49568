import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sha256Hex } from './digest';
import { AppError, unauthenticated } from './errors';
import type { Config } from './config';
import { DEVICE_TYPES, type DeviceInfo, type DeviceType } from './devices';
import type { EventStream } from './events';
import { SESSION_SCRIPTS, type SessionScript } from './session-scripts';

/**
 * The session store in Redis. Every key of a tenant carries the hash tag `{t:<scope>}`, so they
 * all land in one Redis Cluster slot and each script runs on one node:
 *
 * - `session:<id>`: a hash per session (device, times, the current refresh-token hash);
 * - `session:<id>:rotated`: refresh-token hashes already spent, to recognise reuse;
 * - `sessions`: the tenant's sessions scored by their deadline (the earlier of the absolute
 *   expiry and last activity plus the idle timeout), for counts and expiry sweeps;
 * - `devices:<TYPE>`: the same per device type; `users`: users scored by their latest deadline;
 * - `user:<id>:sessions`: a user's sessions scored by creation (limits, listing);
 * - `logins`: sign-ins of the last 24 h; `peak:<day>`: the most concurrent sessions that UTC day.
 *
 * One key without a tag, `sessions:due`, scores each scope by its earliest deadline, so the
 * sweeper finds expired sessions without scanning. Every change runs in one script that also
 * publishes the session event and, when a session ends, `session.revoked`, so no event is lost
 * between the change and its announcement.
 */
export interface SessionRecord {
  id: string;
  tenantId: string;
  userId: string;
  deviceType: DeviceType;
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

export const SESSION_EVENT_TYPES = [
  'CREATED',
  'REFRESHED',
  'REVOKED',
  'EXPIRED',
  'EVICTED',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

/** A session's status once an event has happened to it (EVICTED is a revocation). */
export const SESSION_STATUS_AFTER = {
  CREATED: 'ACTIVE',
  REFRESHED: 'ACTIVE',
  REVOKED: 'REVOKED',
  EVICTED: 'REVOKED',
  EXPIRED: 'EXPIRED',
} as const satisfies Record<SessionEventType, 'ACTIVE' | 'REVOKED' | 'EXPIRED'>;

/** What the store publishes per tenant (bus topic `session.event`, scoped by tenant id). */
export interface SessionEvent {
  type: SessionEventType;
  tenantId: string;
  sessionId: string;
  userId: string;
  at: string;
  /** The session as it was when the event happened (an ended session is gone from the store). */
  session: SessionRecord;
}

export type RevocationReason =
  | 'LOGOUT'
  | 'REFRESH_REUSE'
  | 'PASSWORD_RESET'
  /** The user changed their password: their other sessions end. */
  | 'PASSWORD_CHANGED'
  | 'REVOKED'
  | 'USER_DISABLED'
  /** The user's personal data was erased (eraseUser). */
  | 'USER_ERASED'
  | 'TENANT_SUSPENDED'
  | 'TENANT_DELETED'
  /** Pushed out by a newer session when the user was at the tenant's limit. */
  | 'EVICTED'
  /** Past its absolute lifetime or idle for too long. */
  | 'EXPIRED';

/** What happens when a user at the tenant's `maxSessionsPerUser` signs in again. */
export type SessionLimitPolicy = 'evict-oldest' | 'refuse';

export interface SessionPolicy {
  absoluteTtlSeconds: number;
  idleTtlSeconds: number;
  /** `lastSeenAt` (and the idle deadline) is written at most this often per session. */
  touchIntervalSeconds: number;
  limitPolicy: SessionLimitPolicy;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  absoluteTtlSeconds: 30 * 86_400,
  idleTtlSeconds: 7 * 86_400,
  touchIntervalSeconds: 60,
  limitPolicy: 'evict-oldest',
};

export function sessionPolicyFromConfig(
  config: Pick<
    Config,
    | 'SESSION_ABSOLUTE_TTL_SECONDS'
    | 'SESSION_IDLE_TTL_SECONDS'
    | 'SESSION_TOUCH_INTERVAL_SECONDS'
    | 'SESSION_LIMIT_POLICY'
  >,
): SessionPolicy {
  return {
    absoluteTtlSeconds: config.SESSION_ABSOLUTE_TTL_SECONDS,
    idleTtlSeconds: config.SESSION_IDLE_TTL_SECONDS,
    touchIntervalSeconds: config.SESSION_TOUCH_INTERVAL_SECONDS,
    limitPolicy: config.SESSION_LIMIT_POLICY,
  };
}

export interface NewSession {
  tenantId: string;
  userId: string;
  device: DeviceInfo;
  ipAddress?: string;
  /** The tenant's `maxSessionsPerUser`; none for operators. */
  maxSessions?: number;
  /** Shortens the absolute lifetime below the policy's (never lengthens it). */
  ttlSeconds?: number;
  /**
   * When the credentials were checked (ms). A user-wide ending (password reset, disabled
   * account) after that refuses the sign-in, so one in flight cannot outlive it.
   */
  authenticatedAt?: number;
}

export type RefreshOutcome =
  | { outcome: 'rotated'; session: SessionRecord; refreshToken: string }
  /** A token that was already rotated came back: the session (the token family) has ended. */
  | { outcome: 'reused'; session: SessionRecord }
  | { outcome: 'invalid' };

export interface SessionAnalytics {
  activeSessions: number;
  activeUsers: number;
  loginsLast24h: number;
  byDeviceType: { key: DeviceType; count: number }[];
}

export interface DailyPeak {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  sessions: number;
}

/** How long an expired session's hash outlives its deadline, so the sweeper can announce it. */
const SWEEP_GRACE_MS = 86_400_000;
const LOGIN_WINDOW_MS = 86_400_000;
/** How long a user-wide ending refuses sign-ins whose credentials were checked before it. */
const NOT_BEFORE_TTL_MS = 600_000;
/** Daily peaks are kept this long. */
const PEAK_RETENTION_DAYS = 400;
const NOT_ACTIVITY = new Set<RevocationReason>([
  'EXPIRED',
  'TENANT_SUSPENDED',
  'TENANT_DELETED',
  // The feed it would go to is being erased.
  'USER_ERASED',
]);
/** Internal fields of the session hash, never shown to clients. */
const INTERNAL_FIELDS = ['refreshHash', 'lastSeenMs', 'expiresMs', 'deadlineMs'];

/** `rt1.<scope>.<session id>.<secret>`: the scope and session find the hash without an index. */
const REFRESH_TOKEN = /^rt1\.([a-z0-9-]{1,36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

export class SessionStore {
  private readonly policy: SessionPolicy;
  /** When given, every revocation also becomes an entry of the user's activity. */
  private readonly streams?: EventStream;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: { policy?: Partial<SessionPolicy>; streams?: EventStream } = {},
  ) {
    this.policy = { ...DEFAULT_SESSION_POLICY, ...options.policy };
    this.streams = options.streams;
    for (const [name, lua] of Object.entries(SESSION_SCRIPTS))
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  }

  /** Opens a session and returns its first refresh token (only its hash is stored). */
  async create(input: NewSession): Promise<{ session: SessionRecord; refreshToken: string }> {
    const now = Date.now();
    const ttlMs = Math.min(input.ttlSeconds ?? Infinity, this.policy.absoluteTtlSeconds) * 1000;
    const expiresMs = now + ttlMs;
    const deadline = Math.min(expiresMs, now + this.policy.idleTtlSeconds * 1000);
    const session: SessionRecord = {
      id: randomUUID(),
      tenantId: input.tenantId,
      userId: input.userId,
      deviceType: input.device.type,
      deviceName: input.device.name,
      os: input.device.os,
      browser: input.device.browser,
      ipAddress: input.ipAddress,
      createdAt: new Date(now).toISOString(),
      lastSeenAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresMs).toISOString(),
    };
    const refreshToken = this.newRefreshToken(input.tenantId, session.id);
    const fields = Object.entries({
      ...session,
      refreshHash: sha256Hex(refreshToken),
      lastSeenMs: now,
      expiresMs,
      deadlineMs: deadline,
    }).flatMap(([field, value]) => (value === undefined ? [] : [field, String(value)]));
    const reply = (await this.run('tsSessionCreate', input.tenantId, now, [
      session.id,
      input.userId,
      input.device.type,
      deadline,
      SWEEP_GRACE_MS,
      input.maxSessions ?? 0,
      this.policy.limitPolicy,
      utcDay(now),
      PEAK_RETENTION_DAYS * 86_400_000,
      LOGIN_WINDOW_MS,
      input.authenticatedAt ?? 0,
      ...fields,
    ])) as { outcome: 'created' | 'limit' | 'stale'; current?: number; ended: unknown };
    if (reply.outcome === 'created') await this.markDue(input.tenantId, deadline);
    await this.recordEnded(endedList(reply.ended));
    if (reply.outcome === 'stale')
      throw unauthenticated('The account changed while signing in; sign in again');
    if (reply.outcome === 'limit')
      throw new AppError(
        'LIMIT_EXCEEDED',
        `This account already has ${reply.current} active sessions; sign out on another device first`,
        { limit: 'maxSessionsPerUser', max: input.maxSessions, current: reply.current },
      );
    return { session, refreshToken };
  }

  async get(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    const hash = await this.redis.hgetall(this.key(tenantId, `session:${sessionId}`));
    return Number(hash.deadlineMs) > Date.now() ? toRecord(hash) : null;
  }

  /**
   * How long until the session ends unless it is used again (0: it has ended), and when its use
   * was last recorded: the session gate's check on a cache miss (one HMGET).
   */
  async liveness(
    tenantId: string,
    sessionId: string,
  ): Promise<{ remainingMs: number; lastSeenMs: number }> {
    const [deadline, lastSeen] = await this.redis.hmget(
      this.key(tenantId, `session:${sessionId}`),
      'deadlineMs',
      'lastSeenMs',
    );
    return {
      remainingMs: Math.max(0, Number(deadline ?? 0) - Date.now()),
      lastSeenMs: Number(lastSeen ?? 0),
    };
  }

  /**
   * Records activity: `lastSeenAt` moves and the idle deadline with it, at most once per
   * touch interval (the script checks, so many callers cost one write). Returns the remaining
   * milliseconds, or 0 if the session has ended.
   */
  async touch(tenantId: string, sessionId: string): Promise<number> {
    const remaining = (await this.run('tsSessionTouch', tenantId, Date.now(), [
      sessionId,
      this.policy.idleTtlSeconds * 1000,
      this.policy.touchIntervalSeconds * 1000,
      SWEEP_GRACE_MS,
    ])) as number;
    return Math.max(0, remaining);
  }

  /**
   * Exchanges a refresh token for a new one. A token that was already rotated ends its session
   * ('reused'); an expired session, a wrong secret or anything else is 'invalid'.
   */
  async rotateRefreshToken(token: string): Promise<RefreshOutcome> {
    const session = await this.sessionOfRefreshToken(token);
    if (!session) return { outcome: 'invalid' };
    const next = this.newRefreshToken(session.tenantId, session.id);
    const reply = (await this.run('tsSessionRotate', session.tenantId, Date.now(), [
      session.id,
      sha256Hex(token),
      sha256Hex(next),
      this.policy.idleTtlSeconds * 1000,
      SWEEP_GRACE_MS,
    ])) as { outcome: 'rotated' | 'reused' | 'invalid'; ended: unknown; session?: unknown };
    await this.recordEnded(endedList(reply.ended));
    if (reply.outcome === 'rotated')
      return {
        outcome: 'rotated',
        session: toRecord(reply.session as Record<string, string>)!,
        refreshToken: next,
      };
    return reply.outcome === 'reused' ? { outcome: 'reused', session } : { outcome: 'invalid' };
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
    const [ended] = await this.end(tenantId, [sessionId], reason);
    return ended ?? null;
  }

  /** Ends every session of a user (password reset, disabled account), but `exceptSessionId`. */
  async revokeAllForUser(
    tenantId: string,
    userId: string,
    reason: RevocationReason,
    exceptSessionId?: string,
  ): Promise<SessionRecord[]> {
    const reply = (await this.run('tsSessionEndUser', tenantId, Date.now(), [
      userId,
      reason,
      exceptSessionId ?? '',
      NOT_BEFORE_TTL_MS,
    ])) as { ended: unknown };
    const ended = endedList(reply.ended);
    await this.recordEnded(ended);
    return ended.map(({ session }) => session);
  }

  /** Ends every session of a tenant (suspension), a batch at a time. Returns how many ended. */
  async revokeAllForTenant(tenantId: string, reason: RevocationReason): Promise<number> {
    let count = 0;
    for (;;) {
      const ids = await this.redis.zrange(this.key(tenantId, 'sessions'), 0, 499);
      if (ids.length === 0) return count;
      count += (await this.end(tenantId, ids, reason)).length;
    }
  }

  /** Sessions of the tenant that have not expired (one ZCOUNT). */
  async countActive(tenantId: string): Promise<number> {
    return this.redis.zcount(this.key(tenantId, 'sessions'), `(${Date.now()}`, '+inf');
  }

  /**
   * Live sessions across every scope (tenants and operators): one ZCOUNT per scope that has
   * sessions, pipelined. For metrics, read at scrape time.
   */
  async countAllActive(): Promise<number> {
    const scopes = await this.redis.zrange(this.dueKey(), 0, -1);
    if (scopes.length === 0) return 0;
    const now = `(${Date.now()}`;
    const pipeline = this.redis.pipeline();
    for (const scope of scopes) pipeline.zcount(this.key(scope, 'sessions'), now, '+inf');
    const counts = (await pipeline.exec()) ?? [];
    return counts.reduce((sum, [error, count]) => sum + (error ? 0 : Number(count)), 0);
  }

  /** The user's live sessions, most recently active first. */
  async listForUser(tenantId: string, userId: string): Promise<SessionRecord[]> {
    const ids = await this.redis.zrange(this.key(tenantId, `user:${userId}:sessions`), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(tenantId, `session:${id}`));
    const hashes = ((await pipeline.exec()) ?? []).map(
      ([, hash]) => hash as Record<string, string>,
    );
    const now = Date.now();
    return hashes
      .filter((hash) => Number(hash.deadlineMs) > now)
      .map((hash) => toRecord(hash)!)
      .filter((session) => session.tenantId === tenantId && session.userId === userId)
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }

  /** The tenant's session numbers, each from one sorted-set count. */
  async analytics(tenantId: string): Promise<SessionAnalytics> {
    const now = Date.now();
    const live = [`(${now}`, '+inf'] as const;
    const [sessions, users, logins, ...devices] = await Promise.all([
      this.redis.zcount(this.key(tenantId, 'sessions'), ...live),
      this.redis.zcount(this.key(tenantId, 'users'), ...live),
      this.redis.zcount(this.key(tenantId, 'logins'), `(${now - LOGIN_WINDOW_MS}`, '+inf'),
      ...DEVICE_TYPES.map((type) =>
        this.redis.zcount(this.key(tenantId, `devices:${type}`), ...live),
      ),
    ]);
    return {
      activeSessions: sessions,
      activeUsers: users,
      loginsLast24h: logins,
      byDeviceType: DEVICE_TYPES.map((key, i) => ({ key, count: devices[i] })),
    };
  }

  /**
   * The most concurrent sessions on each of the last `days` UTC days, oldest first. The peak is
   * taken at each sign-in, when the count can rise; a day without sign-ins has no entry.
   */
  async dailyPeaks(tenantId: string, days: number): Promise<DailyPeak[]> {
    const now = Date.now();
    const dates = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * 86_400_000));
    const values = await this.redis.mget(dates.map((date) => this.key(tenantId, `peak:${date}`)));
    return dates.flatMap((date, i) => (values[i] ? [{ date, sessions: Number(values[i]) }] : []));
  }

  /**
   * Ends sessions past their deadline, announcing each as EXPIRED. Scopes are found through
   * `sessions:due`, so the work is proportional to what expired. Safe to run on every replica
   * at once: a session is ended (and announced) by exactly one script run.
   */
  async sweepExpired(batch = 500): Promise<number> {
    const due = this.dueKey();
    let count = 0;
    for (;;) {
      const now = Date.now();
      const scopes = await this.redis.zrangebyscore(due, '-inf', now, 'LIMIT', 0, 100);
      if (scopes.length === 0) return count;
      for (const scope of scopes) {
        const reply = (await this.run('tsSessionSweep', scope, now, [batch])) as {
          ended: unknown;
          swept: number;
          next: number | false;
        };
        const ended = endedList(reply.ended);
        count += ended.length;
        await this.recordEnded(ended);
        if (reply.swept >= batch) continue; // more remain: the scope is still due
        if (reply.next === false) await this.redis.zrem(due, scope);
        else await this.redis.zadd(due, reply.next, scope);
        // A session created meanwhile wrote its deadline (ZADD LT) after its own script; one
        // created between the script above and the write just made is caught here.
        const [, earliest] = await this.redis.zrange(
          this.key(scope, 'sessions'),
          0,
          0,
          'WITHSCORES',
        );
        if (earliest !== undefined) await this.redis.zadd(due, 'LT', Number(earliest), scope);
      }
    }
  }

  private async end(
    tenantId: string,
    sessionIds: string[],
    reason: RevocationReason,
  ): Promise<SessionRecord[]> {
    if (sessionIds.length === 0) return [];
    const reply = (await this.run('tsSessionEnd', tenantId, Date.now(), [
      reason,
      ...sessionIds,
    ])) as { ended: unknown };
    const ended = endedList(reply.ended);
    await this.recordEnded(ended);
    return ended.map(({ session }) => session);
  }

  /**
   * Revocations become activity entries of their users. Not expiry (nothing the user did), nor
   * the endings of a whole suspended or deleted tenant, whose feed cannot take them, nor an
   * erased user's.
   */
  private async recordEnded(ended: { session: SessionRecord; reason: RevocationReason }[]) {
    if (!this.streams) return;
    for (const { session, reason } of ended) {
      if (NOT_ACTIVITY.has(reason) || session.tenantId === PLATFORM_SCOPE) continue;
      await this.streams.append('activity', {
        id: randomUUID(),
        tenantId: session.tenantId,
        userId: session.userId,
        type: 'SESSION_REVOKED',
        at: new Date().toISOString(),
        metadata: { sessionId: session.id, reason },
      });
    }
  }

  private async markDue(scope: string, deadline: number): Promise<void> {
    await this.redis.zadd(this.dueKey(), 'LT', deadline, scope);
  }

  /**
   * Runs a session script on the scope's slot (KEYS[1] is the scope's `sessions` set), with
   * the common arguments; a JSON reply is parsed.
   */
  private async run(
    script: SessionScript,
    scope: string,
    now: number,
    args: (string | number)[],
  ): Promise<unknown> {
    const runner = (this.redis as unknown as Record<SessionScript, ScriptRunner>)[script];
    const reply = await runner.call(
      this.redis,
      this.key(scope, 'sessions'),
      this.key(scope, ''),
      `${this.prefix}events:`,
      now,
      new Date(now).toISOString(),
      ...args,
    );
    return typeof reply === 'string' ? JSON.parse(reply) : reply;
  }

  private key(scope: string, name: string): string {
    return `${this.prefix}{t:${scope}}:${name}`;
  }

  private dueKey(): string {
    return `${this.prefix}sessions:due`;
  }

  private newRefreshToken(scope: string, sessionId: string): string {
    return `rt1.${scope}.${sessionId}.${randomBytes(32).toString('base64url')}`;
  }
}

/** The client-visible record from a session hash (internal fields dropped), or null if none. */
function toRecord(hash: Record<string, string>): SessionRecord | null {
  if (!hash || !hash.id) return null;
  const record: Record<string, string> = { ...hash };
  for (const field of INTERNAL_FIELDS) delete record[field];
  return record as unknown as SessionRecord;
}

/** Scripts return ended sessions as a JSON list; Lua's cjson turns an empty list into `{}`. */
function endedList(value: unknown): { session: SessionRecord; reason: RevocationReason }[] {
  return Array.isArray(value)
    ? (value as { session: SessionRecord; reason: RevocationReason }[])
    : [];
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The session store against real Redis: the per-user limit (evict or refuse), activity and idle
 * deadlines, the expiry sweep, analytics, and per-tenant session events.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  AppError,
  EventBus,
  SessionStore,
  type DeviceType,
  type NewSession,
  type SessionEvent,
  type SessionPolicy,
} from '../src';
import { createTestRedis, until, type TestRedis } from '../testing';

const log = pino({ level: 'silent' });
let testRedis: TestRedis;
let redis: Redis;
let prefix: string;
let bus: EventBus;

beforeEach(() => {
  testRedis = createTestRedis('session-policies');
  ({ redis, prefix } = testRedis);
  bus = new EventBus(redis, prefix, log);
});

afterEach(async () => {
  await bus.close();
  await testRedis.close();
});

const storeWith = (policy: Partial<SessionPolicy> = {}) =>
  new SessionStore(redis, prefix, { policy });

const input = (
  tenantId: string,
  userId: string,
  type: DeviceType = 'DESKTOP',
  extra: Partial<NewSession> = {},
): NewSession => ({ tenantId, userId, device: { type }, ipAddress: '198.51.100.4', ...extra });

const sessionKey = (tenantId: string, sessionId: string) =>
  `${prefix}{t:${tenantId}}:session:${sessionId}`;

/** Collects a tenant's session events; `ready` resolves once the subscription carries events. */
function collect(tenantId: string) {
  const events: SessionEvent[] = [];
  const iterator = bus.iterate('session.event', () => true, { scope: tenantId });
  const reading = (async () => {
    for await (const event of iterator) events.push(event);
  })();
  return {
    events,
    /** Waits until `count` events arrived. */
    until: (count: number) => until(() => events.length >= count, `${count} events`),
    async stop() {
      await iterator.return?.();
      await reading;
    },
  };
}

/** Publishes probe events on the tenant's channel until one arrives: the subscription is live. */
async function subscribed(tenantId: string, events: SessionEvent[]): Promise<void> {
  const probe = { type: 'CREATED', tenantId, sessionId: 'probe', userId: 'probe' } as SessionEvent;
  while (!events.some((event) => event.sessionId === 'probe')) {
    await bus.publish('session.event', probe, tenantId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  events.length = 0;
}

describe('the per-user session limit', () => {
  test('evict-oldest (the default): the oldest session ends (EVICTED) and the new one opens', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const watcher = collect(tenantId);
    await subscribed(tenantId, watcher.events);
    const first = await store.create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 2 }));
    const second = await store.create(input(tenantId, 'u-1', 'MOBILE', { maxSessions: 2 }));
    const colleague = await store.create(input(tenantId, 'u-2', 'DESKTOP', { maxSessions: 2 }));
    const third = await store.create(input(tenantId, 'u-1', 'TABLET', { maxSessions: 2 }));

    expect(await store.get(tenantId, first.session.id)).toBeNull();
    expect(await store.rotateRefreshToken(first.refreshToken)).toEqual({ outcome: 'invalid' });
    const listed = (await store.listForUser(tenantId, 'u-1')).map((session) => session.id);
    expect(listed.sort()).toEqual([second.session.id, third.session.id].sort());
    expect(await store.get(tenantId, colleague.session.id)).not.toBeNull();

    await watcher.until(5);
    await watcher.stop();
    expect(watcher.events.map((event) => [event.type, event.sessionId])).toEqual([
      ['CREATED', first.session.id],
      ['CREATED', second.session.id],
      ['CREATED', colleague.session.id],
      ['EVICTED', first.session.id],
      ['CREATED', third.session.id],
    ]);
    expect(watcher.events[3].session).toMatchObject({ userId: 'u-1', deviceType: 'DESKTOP' });
  });

  test('refuse: LIMIT_EXCEEDED, and nothing changes; a freed slot can be used again', async () => {
    const store = storeWith({ limitPolicy: 'refuse' });
    const tenantId = randomUUID();
    const open = [
      await store.create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 2 })),
      await store.create(input(tenantId, 'u-1', 'MOBILE', { maxSessions: 2 })),
    ];
    const refused = await store
      .create(input(tenantId, 'u-1', 'TABLET', { maxSessions: 2 }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).extensions.code).toBe('LIMIT_EXCEEDED');
    expect(await store.countActive(tenantId)).toBe(2);
    for (const { session } of open) expect(await store.get(tenantId, session.id)).not.toBeNull();

    await store.revoke(tenantId, open[0].session.id, 'LOGOUT');
    await expect(
      store.create(input(tenantId, 'u-1', 'TABLET', { maxSessions: 2 })),
    ).resolves.toBeDefined();
  });

  test('refuse under a race: of 12 simultaneous sign-ins at a limit of 3, exactly 3 open', async () => {
    const store = storeWith({ limitPolicy: 'refuse' });
    const tenantId = randomUUID();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        store.create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 3 })),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    expect(await store.listForUser(tenantId, 'u-1')).toHaveLength(3);
  });

  test('sessions past their deadline do not count toward the limit', async () => {
    const store = storeWith({ limitPolicy: 'refuse' });
    const tenantId = randomUUID();
    const { session } = await store.create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 1 }));
    // Its deadline passes (as if idle); the next sign-in ends it as EXPIRED, not EVICTED.
    await redis.hset(sessionKey(tenantId, session.id), 'deadlineMs', String(Date.now() - 1));
    await redis.zadd(`${prefix}{t:${tenantId}}:sessions`, Date.now() - 1, session.id);
    await expect(
      store.create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 1 })),
    ).resolves.toBeDefined();
    expect(await store.countActive(tenantId)).toBe(1);
  });
});

describe('activity and expiry', () => {
  test('lastSeenAt is written at most once per touch interval, and moves the idle deadline', async () => {
    const store = storeWith({ touchIntervalSeconds: 60, idleTtlSeconds: 600 });
    const tenantId = randomUUID();
    const { session } = await store.create(input(tenantId, 'u-1'));
    const key = sessionKey(tenantId, session.id);
    const before = await redis.hgetall(key);

    // Within the interval: nothing is written, however often it is called.
    for (let i = 0; i < 5; i++) expect(await store.touch(tenantId, session.id)).toBeGreaterThan(0);
    expect(await redis.hgetall(key)).toEqual(before);

    // Last seen two minutes ago: the next touch writes, and the deadline follows.
    const twoMinutesAgo = Date.now() - 120_000;
    await redis.hset(key, 'lastSeenMs', String(twoMinutesAgo));
    const remaining = await store.touch(tenantId, session.id);
    const after = await redis.hgetall(key);
    expect(Number(after.lastSeenMs)).toBeGreaterThan(twoMinutesAgo + 100_000);
    expect(after.lastSeenAt).toBe(new Date(Number(after.lastSeenMs)).toISOString());
    expect(Number(after.deadlineMs)).toBe(Number(after.lastSeenMs) + 600_000);
    expect(remaining).toBeGreaterThan(590_000);
    expect(Number(await redis.zscore(`${prefix}{t:${tenantId}}:sessions`, session.id))).toBe(
      Number(after.deadlineMs),
    );
  });

  test('the deadline never passes the absolute lifetime, whatever the activity', async () => {
    const store = storeWith({ touchIntervalSeconds: 1, idleTtlSeconds: 3600 });
    const tenantId = randomUUID();
    const { session } = await store.create(input(tenantId, 'u-1', 'DESKTOP', { ttlSeconds: 5 }));
    await redis.hset(sessionKey(tenantId, session.id), 'lastSeenMs', '0');
    expect(await store.touch(tenantId, session.id)).toBeLessThanOrEqual(5000);
    expect(await redis.hget(sessionKey(tenantId, session.id), 'deadlineMs')).toBe(
      String(Date.parse(session.expiresAt)),
    );
  });

  test('the sweep ends expired sessions of every tenant once, announces EXPIRED, and leaves live ones', async () => {
    const store = storeWith({ idleTtlSeconds: 1 });
    const lasting = storeWith();
    const [tenantA, tenantB] = [randomUUID(), randomUUID()];
    const watcher = collect(tenantA);
    await subscribed(tenantA, watcher.events);
    const expiring = [
      await store.create(input(tenantA, 'u-1', 'MOBILE')),
      await store.create(input(tenantB, 'u-9', 'DESKTOP')),
    ];
    const live = await lasting.create(input(tenantA, 'u-2', 'DESKTOP'));
    await watcher.until(2);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [swept, again] = await Promise.all([store.sweepExpired(), store.sweepExpired()]);
    expect(swept + again).toBe(2);
    for (const { session } of expiring)
      expect(await redis.exists(sessionKey(session.tenantId, session.id))).toBe(0);
    expect(await store.get(tenantA, live.session.id)).not.toBeNull();
    expect(await store.analytics(tenantA)).toMatchObject({ activeSessions: 1, activeUsers: 1 });
    expect(await store.analytics(tenantB)).toMatchObject({ activeSessions: 0, activeUsers: 0 });
    // The due index keeps tenant A (its live session) and forgets tenant B.
    expect(await redis.zrange(`${prefix}sessions:due`, 0, -1)).toEqual([tenantA]);

    await watcher.until(3);
    await watcher.stop();
    expect(watcher.events).toHaveLength(3);
    expect(watcher.events.at(-1)).toMatchObject({
      type: 'EXPIRED',
      sessionId: expiring[0].session.id,
      userId: 'u-1',
      session: { deviceType: 'MOBILE' },
    });
  });
});

test('every key a tenant gets expires on its own, so nothing outlives the sessions', async () => {
  const store = storeWith({ touchIntervalSeconds: 1 });
  const tenantId = randomUUID();
  const first = await store.create(input(tenantId, 'u-1', 'MOBILE', { maxSessions: 5 }));
  await store.create(input(tenantId, 'u-2', 'DESKTOP'));
  await store.rotateRefreshToken(first.refreshToken);
  await redis.hset(sessionKey(tenantId, first.session.id), 'lastSeenMs', '0');
  await store.touch(tenantId, first.session.id);
  const keys = await redis.keys(`${prefix}*`);
  expect(keys.length).toBeGreaterThan(8);
  for (const key of keys) {
    const ttl = await redis.pttl(key);
    // Only the one global index stays: the sweep removes each tenant from it.
    if (key === `${prefix}sessions:due`) expect(ttl).toBe(-1);
    else expect([key, ttl > 0]).toEqual([key, true]);
  }
});

describe('analytics', () => {
  test('numbers after a scripted set of sign-ins, revocations and refreshes', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const other = randomUUID();
    await store.create(input(other, 'x-1', 'DESKTOP')); // another tenant's: never counted

    const alice = [
      await store.create(input(tenantId, 'alice', 'DESKTOP')),
      await store.create(input(tenantId, 'alice', 'DESKTOP')),
      await store.create(input(tenantId, 'alice', 'MOBILE')),
    ];
    await store.create(input(tenantId, 'bob', 'TABLET'));
    const carol = await store.create(input(tenantId, 'carol', 'OTHER'));
    // Five live at once: the peak. Carol signs out; Alice refreshes (not a sign-in).
    await store.revoke(tenantId, carol.session.id, 'LOGOUT');
    await store.rotateRefreshToken(alice[0].refreshToken);

    expect(await store.analytics(tenantId)).toEqual({
      activeSessions: 4,
      activeUsers: 2,
      loginsLast24h: 5,
      byDeviceType: [
        { key: 'DESKTOP', count: 2 },
        { key: 'MOBILE', count: 1 },
        { key: 'TABLET', count: 1 },
        { key: 'OTHER', count: 0 },
      ],
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(await store.dailyPeaks(tenantId, 7)).toEqual([{ date: today, sessions: 5 }]);

    // Alice signs out everywhere: she is no longer an active user.
    await store.revokeAllForUser(tenantId, 'alice', 'PASSWORD_RESET');
    expect(await store.analytics(tenantId)).toMatchObject({
      activeSessions: 1,
      activeUsers: 1,
      loginsLast24h: 5,
    });
  });
});

describe('session events', () => {
  test("a tenant's subscriber never receives another tenant's events", async () => {
    const store = storeWith();
    const [tenantA, tenantB] = [randomUUID(), randomUUID()];
    const watcherB = collect(tenantB);
    await subscribed(tenantB, watcherB.events);

    const a = await store.create(input(tenantA, 'u-a'));
    await store.rotateRefreshToken(a.refreshToken);
    await store.revoke(tenantA, a.session.id, 'REVOKED');
    await store.revokeAllForTenant(tenantA, 'TENANT_SUSPENDED');
    const b = await store.create(input(tenantB, 'u-b'));
    await store.revoke(tenantB, b.session.id, 'LOGOUT');

    await watcherB.until(2);
    // Events on one channel arrive in order: tenant A's came first, so none is still in flight.
    await watcherB.stop();
    expect(watcherB.events.map((event) => [event.tenantId, event.type])).toEqual([
      [tenantB, 'CREATED'],
      [tenantB, 'REVOKED'],
    ]);
  });

  test('every event type carries the session as it was', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const watcher = collect(tenantId);
    await subscribed(tenantId, watcher.events);
    const { session, refreshToken } = await store.create(input(tenantId, 'u-1', 'MOBILE'));
    const rotated = await store.rotateRefreshToken(refreshToken);
    if (rotated.outcome !== 'rotated') throw new Error('not rotated');
    // The spent token comes back: the session ends (REVOKED, reason REFRESH_REUSE).
    await store.rotateRefreshToken(refreshToken);
    await watcher.until(3);
    await watcher.stop();
    expect(watcher.events.map((event) => event.type)).toEqual(['CREATED', 'REFRESHED', 'REVOKED']);
    for (const event of watcher.events) {
      expect(event).toMatchObject({ tenantId, sessionId: session.id, userId: 'u-1' });
      expect(event.session).toMatchObject({ id: session.id, deviceType: 'MOBILE' });
      expect(Object.keys(event.session)).not.toContain('refreshHash');
    }
    expect(watcher.events[1].session.lastSeenAt).toBe(rotated.session.lastSeenAt);
  });
});

describe('review cases', () => {
  test('a sign-in whose credentials were checked before a user-wide ending is refused', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const checkedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.revokeAllForUser(tenantId, 'u-1', 'PASSWORD_RESET');
    const late = await store
      .create(input(tenantId, 'u-1', 'DESKTOP', { authenticatedAt: checkedAt }))
      .catch((error: unknown) => error);
    expect((late as AppError).extensions.code).toBe('UNAUTHENTICATED');
    expect(await store.countActive(tenantId)).toBe(0);
    // Credentials checked after it, and other users, are not affected.
    await expect(
      store.create(input(tenantId, 'u-1', 'DESKTOP', { authenticatedAt: Date.now() })),
    ).resolves.toBeDefined();
    await expect(
      store.create(input(tenantId, 'u-2', 'DESKTOP', { authenticatedAt: checkedAt })),
    ).resolves.toBeDefined();
  });

  test('active users follow the latest live session of each user, not a revoked one', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    // Three seconds: room for the steps before the deadline, however busy the machine.
    await store.create(input(tenantId, 'u-1', 'DESKTOP', { ttlSeconds: 3 }));
    const long = await store.create(input(tenantId, 'u-1', 'MOBILE'));
    await store.revoke(tenantId, long.session.id, 'LOGOUT');
    expect(await store.analytics(tenantId)).toMatchObject({ activeSessions: 1, activeUsers: 1 });
    await new Promise((resolve) => setTimeout(resolve, 3100));
    // The short one has expired and no sweep has run: neither counts.
    expect(await store.analytics(tenantId)).toMatchObject({ activeSessions: 0, activeUsers: 0 });
  });

  test('ending a session already past its deadline announces it as EXPIRED', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const watcher = collect(tenantId);
    await subscribed(tenantId, watcher.events);
    const { session } = await store.create(input(tenantId, 'u-1', 'DESKTOP', { ttlSeconds: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await store.revokeAllForUser(tenantId, 'u-1', 'USER_DISABLED');
    await watcher.until(2);
    await watcher.stop();
    expect(watcher.events.map((event) => [event.type, event.sessionId])).toEqual([
      ['CREATED', session.id],
      ['EXPIRED', session.id],
    ]);
  });

  test('LIMIT_EXCEEDED reports the live count, also above a lowered limit', async () => {
    const store = storeWith({ limitPolicy: 'refuse' });
    const tenantId = randomUUID();
    for (let i = 0; i < 3; i++) await store.create(input(tenantId, 'u-1'));
    const refused = await store
      .create(input(tenantId, 'u-1', 'DESKTOP', { maxSessions: 1 }))
      .catch((error: unknown) => error as AppError);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'maxSessionsPerUser',
      max: 1,
      current: 3,
    });
  });

  test('spent refresh tokens are remembered for the last 32 rotations only', async () => {
    const store = storeWith();
    const tenantId = randomUUID();
    const created = await store.create(input(tenantId, 'u-1'));
    const tokens = [created.refreshToken];
    for (let i = 0; i < 40; i++) {
      const rotated = await store.rotateRefreshToken(tokens.at(-1)!);
      if (rotated.outcome !== 'rotated') throw new Error(rotated.outcome);
      tokens.push(rotated.refreshToken);
    }
    const rotatedKey = `${sessionKey(tenantId, created.session.id)}:rotated`;
    expect(await redis.llen(rotatedKey)).toBe(32);
    // One spent longer ago is just invalid: it opens nothing, and the session goes on.
    expect(await store.rotateRefreshToken(tokens[0])).toEqual({ outcome: 'invalid' });
    expect(await store.get(tenantId, created.session.id)).not.toBeNull();
    // A recent one is reuse: the session ends.
    expect((await store.rotateRefreshToken(tokens[30])).outcome).toBe('reused');
    expect(await store.get(tenantId, created.session.id)).toBeNull();
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  EventBus,
  SessionStore,
  type BusEvents,
  type NewSession,
  type RevocationReason,
  type SessionRecord,
} from '../src';
import { TEST_REDIS_CLIENTS, until, type TestRedis } from '../testing';

type Revoked = BusEvents['session.revoked'];

const log = pino({ level: 'silent' });
let testRedis: TestRedis;
let redis: Redis;
let prefix: string;
let bus: EventBus;
let store: SessionStore;
let revoked: Revoked[];

/**
 * Publishes a marker on the session.revoked channel and waits until it arrives. Pub/sub keeps
 * the order of one connection's messages, so every event published before it has arrived too.
 */
async function drainEvents(): Promise<void> {
  const marker = `marker-${randomUUID()}`;
  await bus.publish('session.revoked', {
    tenantId: 'marker',
    sessionId: marker,
    userId: 'marker',
    reason: 'REVOKED',
  });
  await until(() => revoked.some((event) => event.sessionId === marker));
}

/** The real revocation events (markers left out). */
const revocations = () => revoked.filter((event) => event.tenantId !== 'marker');

const input = (tenantId: string, userId: string, extra: Partial<NewSession> = {}): NewSession => ({
  tenantId,
  userId,
  device: { type: 'DESKTOP', os: 'Windows 10', browser: 'Chrome 120', name: 'Work laptop' },
  ipAddress: '203.0.113.7',
  ttlSeconds: 3600,
  ...extra,
});

const newSession = (tenantId: string, userId: string, extra: Partial<NewSession> = {}) =>
  store.create(input(tenantId, userId, extra));

const sessionKey = (tenantId: string, sessionId: string) =>
  `${prefix}{t:${tenantId}}:session:${sessionId}`;

const withSecret = (token: string, secret: string) =>
  token.slice(0, token.lastIndexOf('.') + 1) + secret;

const ids = (sessions: SessionRecord[]) => sessions.map((session) => session.id).sort();

describe.each(TEST_REDIS_CLIENTS)('SessionStore (%s)', (_client, connect) => {
  beforeEach(async () => {
    testRedis = connect('sessions');
    ({ redis, prefix } = testRedis);
    bus = new EventBus(redis, prefix, log);
    revoked = [];
    bus.subscribe('session.revoked', (event) => revoked.push(event));
    store = new SessionStore(redis, prefix);
    // The subscription is made in the background: publish markers until one comes through.
    const deadline = Date.now() + 10_000;
    while (revoked.length === 0) {
      if (Date.now() > deadline) throw new Error('event bus subscription not established');
      await bus.publish('session.revoked', {
        tenantId: 'marker',
        sessionId: 'ready',
        userId: 'marker',
        reason: 'REVOKED',
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await drainEvents();
  });

  afterEach(async () => {
    await bus.close();
    await testRedis.close();
  });

  test('create returns the session and a refresh token naming tenant and session', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');
    expect(session).toMatchObject({
      tenantId,
      userId: 'user-1',
      deviceType: 'DESKTOP',
      deviceName: 'Work laptop',
      os: 'Windows 10',
      browser: 'Chrome 120',
      ipAddress: '203.0.113.7',
    });
    expect(session.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(3600 * 1000);
    expect(session.lastSeenAt).toBe(session.createdAt);
    expect(refreshToken).toMatch(
      new RegExp(`^rt1\\.${tenantId}\\.${session.id}\\.[A-Za-z0-9_-]{43}$`),
    );

    const other = await newSession(tenantId, 'user-1');
    expect(other.session.id).not.toBe(session.id);
    expect(other.refreshToken).not.toBe(refreshToken);

    expect(await store.get(tenantId, session.id)).toEqual(session);
    expect(await store.sessionOfRefreshToken(refreshToken)).toEqual(session);
  });

  test('the raw refresh token is never stored, and get() hides the internal fields', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');
    const secret = refreshToken.slice(refreshToken.lastIndexOf('.') + 1);

    const hash = await redis.hgetall(sessionKey(tenantId, session.id));
    expect(hash.id).toBe(session.id);
    expect(Object.keys(hash)).toEqual(
      expect.arrayContaining(['refreshHash', 'lastSeenMs', 'deadlineMs']),
    );
    for (const value of Object.values(hash)) {
      expect(value).not.toBe(refreshToken);
      expect(value).not.toContain(secret);
    }
    expect(hash.refreshHash).not.toBe('');

    const record = await store.get(tenantId, session.id);
    expect(record).not.toBeNull();
    expect(Object.keys(record as SessionRecord)).not.toContain('refreshHash');
    expect(Object.keys(record as SessionRecord)).not.toContain('deadlineMs');

    // After a rotation neither the old nor the new token is stored.
    const rotated = await store.rotateRefreshToken(refreshToken);
    if (rotated.outcome !== 'rotated') throw new Error(`expected rotated, got ${rotated.outcome}`);
    const newSecret = rotated.refreshToken.slice(rotated.refreshToken.lastIndexOf('.') + 1);
    const keys = await redis.keys(`${prefix}*`);
    for (const key of keys) {
      const type = await redis.type(key);
      const values =
        type === 'hash'
          ? Object.values(await redis.hgetall(key))
          : type === 'list'
            ? await redis.lrange(key, 0, -1)
            : type === 'zset'
              ? await redis.zrange(key, 0, -1)
              : [String(await redis.get(key))];
      for (const value of values) {
        expect(value).not.toContain(secret);
        expect(value).not.toContain(newSecret);
      }
    }
    expect(Object.keys(rotated.session)).not.toContain('refreshHash');
    expect(Object.keys(rotated.session)).not.toContain('deadlineMs');
  });

  test('rotation gives a new token; the old one coming back ends the session (reuse)', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');

    const first = await store.rotateRefreshToken(refreshToken);
    expect(first.outcome).toBe('rotated');
    if (first.outcome !== 'rotated') return;
    expect(first.refreshToken).not.toBe(refreshToken);
    expect(first.refreshToken).toMatch(
      new RegExp(`^rt1\\.${tenantId}\\.${session.id}\\.[A-Za-z0-9_-]{43}$`),
    );
    expect(first.session.id).toBe(session.id);

    // The new token rotates in turn.
    const second = await store.rotateRefreshToken(first.refreshToken);
    expect(second.outcome).toBe('rotated');
    if (second.outcome !== 'rotated') return;
    expect(await store.get(tenantId, session.id)).not.toBeNull();
    await drainEvents();
    expect(revocations()).toEqual([]);

    // The first token is presented again: someone else has a copy, so the family ends.
    const reused = await store.rotateRefreshToken(refreshToken);
    expect(reused.outcome).toBe('reused');
    if (reused.outcome === 'reused') expect(reused.session.id).toBe(session.id);
    expect(await store.get(tenantId, session.id)).toBeNull();
    expect(await store.listForUser(tenantId, 'user-1')).toEqual([]);
    expect(await store.countActive(tenantId)).toBe(0);
    await until(() => revocations().length > 0);
    await drainEvents();
    expect(revocations()).toEqual([
      { tenantId, sessionId: session.id, userId: 'user-1', reason: 'REFRESH_REUSE' },
    ]);

    // The latest token died with the session.
    expect(await store.rotateRefreshToken(second.refreshToken)).toEqual({
      outcome: 'invalid',
    });
    expect(await store.sessionOfRefreshToken(second.refreshToken)).toBeNull();
    // Nothing of the session is left in Redis.
    expect(await redis.keys(`${prefix}{t:${tenantId}}:session:${session.id}*`)).toEqual([]);
  });

  test('20 concurrent rotations of one token: exactly one succeeds', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.rotateRefreshToken(refreshToken)),
    );
    const outcomes = results.map((result) => result.outcome);
    expect(outcomes.filter((outcome) => outcome === 'rotated')).toHaveLength(1);
    // The losers presented a rotated token: that is reuse, and the session ends.
    expect(outcomes.filter((outcome) => outcome === 'reused').length).toBeGreaterThan(0);
    expect(outcomes.every((outcome) => ['rotated', 'reused', 'invalid'].includes(outcome))).toBe(
      true,
    );
    expect(await store.get(tenantId, session.id)).toBeNull();
    const winner = results.find((result) => result.outcome === 'rotated');
    if (winner?.outcome !== 'rotated') throw new Error('no rotation');
    expect(await store.rotateRefreshToken(winner.refreshToken)).toEqual({
      outcome: 'invalid',
    });
    await until(() => revocations().length > 0);
    await drainEvents();
    for (const event of revocations())
      expect(event).toEqual({
        tenantId,
        sessionId: session.id,
        userId: 'user-1',
        reason: 'REFRESH_REUSE',
      });
  });

  test('the right session with a wrong secret is invalid, and the session survives', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');
    const forged = withSecret(refreshToken, randomBytes(32).toString('base64url'));
    expect(forged).not.toBe(refreshToken);
    expect(forged).toMatch(new RegExp(`^rt1\\.${tenantId}\\.${session.id}\\.[A-Za-z0-9_-]{43}$`));

    for (let i = 0; i < 3; i++)
      expect(await store.rotateRefreshToken(forged)).toEqual({ outcome: 'invalid' });
    expect(await store.get(tenantId, session.id)).toEqual(session);
    await drainEvents();
    expect(revocations()).toEqual([]);

    // The real token still works.
    expect((await store.rotateRefreshToken(refreshToken)).outcome).toBe('rotated');
  });

  test('malformed tokens are invalid and touch nothing', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1');
    const secret = refreshToken.slice(refreshToken.lastIndexOf('.') + 1);
    const malformed = [
      '',
      'garbage',
      'rt1...',
      refreshToken.replace(/^rt1/, 'rt2'),
      `${refreshToken}x`,
      refreshToken.slice(0, -1),
      ` ${refreshToken}`,
      `rt1.${tenantId.toUpperCase()}.${session.id}.${secret}`,
      `rt1.${tenantId}.${session.id.toUpperCase()}.${secret}`,
      `rt1.${tenantId}.not-a-session-id-of-the-right-length!.${secret}`,
      `rt1.${tenantId}.${session.id}.${secret.slice(0, 42)}+`,
      `rt1.${tenantId}.${session.id}`,
      // Well-formed, but no such session.
      `rt1.${tenantId}.${randomUUID()}.${secret}`,
    ];
    for (const token of malformed) {
      expect(await store.rotateRefreshToken(token)).toEqual({ outcome: 'invalid' });
      expect(await store.sessionOfRefreshToken(token)).toBeNull();
    }
    expect(await store.get(tenantId, session.id)).toEqual(session);
    await drainEvents();
    expect(revocations()).toEqual([]);
  });

  test('a session idle past its deadline is gone: its token is invalid, and it ends (EXPIRED)', async () => {
    const tenantId = randomUUID();
    // Three seconds: room for the steps before the deadline, however busy the machine.
    const idle = new SessionStore(redis, prefix, { policy: { idleTtlSeconds: 3 } });
    const { session, refreshToken } = await idle.create(input(tenantId, 'user-1'));
    const key = sessionKey(tenantId, session.id);
    expect(Number(await redis.hget(key, 'deadlineMs'))).toBe(Date.parse(session.createdAt) + 3000);
    // Used within the idle timeout: rotates, and the deadline moves with the activity.
    const fresh = await idle.rotateRefreshToken(refreshToken);
    expect(fresh.outcome).toBe('rotated');
    if (fresh.outcome !== 'rotated') return;
    expect(Number(await redis.hget(key, 'deadlineMs'))).toBe(
      Date.parse(fresh.session.lastSeenAt) + 3000,
    );

    await until(async () => (await idle.liveness(tenantId, session.id)).remainingMs === 0);
    expect(await idle.get(tenantId, session.id)).toBeNull();
    expect(await idle.countActive(tenantId)).toBe(0);
    expect(await idle.rotateRefreshToken(fresh.refreshToken)).toEqual({ outcome: 'invalid' });
    // The sweeper ends it for good and announces it, once however often it runs.
    expect(await idle.sweepExpired()).toBe(1);
    expect(await idle.sweepExpired()).toBe(0);
    await until(() => revocations().length > 0);
    await drainEvents();
    expect(revocations()).toEqual([
      { tenantId, sessionId: session.id, userId: 'user-1', reason: 'EXPIRED' },
    ]);
  });

  test('revokeAllForUser ends every session of the user but the excepted one', async () => {
    const tenantId = randomUUID();
    const a = await newSession(tenantId, 'user-1');
    const b = await newSession(tenantId, 'user-1');
    const c = await newSession(tenantId, 'user-1');
    const someoneElse = await newSession(tenantId, 'user-2');
    expect(ids(await store.listForUser(tenantId, 'user-1'))).toEqual(
      ids([a.session, b.session, c.session]),
    );
    expect(await store.countActive(tenantId)).toBe(4);

    const reason: RevocationReason = 'PASSWORD_RESET';
    const ended = await store.revokeAllForUser(tenantId, 'user-1', reason, b.session.id);
    expect(ids(ended)).toEqual(ids([a.session, c.session]));
    expect(ids(await store.listForUser(tenantId, 'user-1'))).toEqual([b.session.id]);
    expect(ids(await store.listForUser(tenantId, 'user-2'))).toEqual([someoneElse.session.id]);
    expect(await store.countActive(tenantId)).toBe(2);
    expect(await store.get(tenantId, a.session.id)).toBeNull();
    expect(await store.get(tenantId, c.session.id)).toBeNull();

    // The ended sessions' refresh tokens are dead; the kept one's still rotates.
    expect(await store.rotateRefreshToken(a.refreshToken)).toEqual({ outcome: 'invalid' });
    expect((await store.rotateRefreshToken(b.refreshToken)).outcome).toBe('rotated');

    await until(() => revocations().length >= 2);
    await drainEvents();
    expect(revocations().sort((x, y) => x.sessionId.localeCompare(y.sessionId))).toEqual(
      [a.session, c.session]
        .map((session) => ({
          tenantId,
          sessionId: session.id,
          userId: 'user-1',
          reason,
        }))
        .sort((x, y) => x.sessionId.localeCompare(y.sessionId)),
    );

    // Without an exception, every session goes.
    const rest = await store.revokeAllForUser(tenantId, 'user-1', 'USER_DISABLED');
    expect(ids(rest)).toEqual([b.session.id]);
    expect(await store.listForUser(tenantId, 'user-1')).toEqual([]);
    expect(await store.countActive(tenantId)).toBe(1);
  });

  test('listForUser and countActive follow single revocations', async () => {
    const tenantId = randomUUID();
    const a = await newSession(tenantId, 'user-1');
    const b = await newSession(tenantId, 'user-1');
    expect(await store.countActive(tenantId)).toBe(2);

    const ended = await store.revoke(tenantId, a.session.id, 'LOGOUT');
    expect(ended?.id).toBe(a.session.id);
    expect(ids(await store.listForUser(tenantId, 'user-1'))).toEqual([b.session.id]);
    expect(await store.countActive(tenantId)).toBe(1);
    // Revoking again finds nothing, and publishes nothing more.
    expect(await store.revoke(tenantId, a.session.id, 'LOGOUT')).toBeNull();
    await until(() => revocations().length > 0);
    await drainEvents();
    expect(revocations()).toEqual([
      { tenantId, sessionId: a.session.id, userId: 'user-1', reason: 'LOGOUT' },
    ]);
  });

  test("one tenant's sessions are invisible through another tenant id", async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const { session, refreshToken } = await newSession(tenantA, 'user-1');
    const secret = refreshToken.slice(refreshToken.lastIndexOf('.') + 1);

    expect(await store.get(tenantB, session.id)).toBeNull();
    expect(await store.listForUser(tenantB, 'user-1')).toEqual([]);
    expect(await store.countActive(tenantB)).toBe(0);
    expect(await store.revoke(tenantB, session.id, 'REVOKED')).toBeNull();
    expect(await store.revokeAllForUser(tenantB, 'user-1', 'REVOKED')).toEqual([]);
    // The token with the other tenant in it names nothing.
    const crossed = `rt1.${tenantB}.${session.id}.${secret}`;
    expect(await store.sessionOfRefreshToken(crossed)).toBeNull();
    expect(await store.rotateRefreshToken(crossed)).toEqual({ outcome: 'invalid' });

    expect(await store.get(tenantA, session.id)).toEqual(session);
    expect(ids(await store.listForUser(tenantA, 'user-1'))).toEqual([session.id]);
    expect(await store.countActive(tenantA)).toBe(1);
    await drainEvents();
    expect(revocations()).toEqual([]);
  });

  test('sessionOfRefreshToken finds the session of a well-formed token, current or not', async () => {
    const tenantId = randomUUID();
    const { session, refreshToken } = await newSession(tenantId, 'user-1', {
      device: { type: 'MOBILE' },
      ipAddress: undefined,
    });
    expect(await store.sessionOfRefreshToken(refreshToken)).toEqual(session);
    // Any secret of the right shape: the lookup names the session, it does not check the token.
    const other = withSecret(refreshToken, randomBytes(32).toString('base64url'));
    expect(await store.sessionOfRefreshToken(other)).toEqual(session);

    const found = await store.sessionOfRefreshToken(refreshToken);
    expect(found).toMatchObject({
      id: session.id,
      tenantId,
      userId: 'user-1',
      deviceType: 'MOBILE',
    });
    expect(found).not.toHaveProperty('deviceName');
    expect(found).not.toHaveProperty('ipAddress');
    expect(found).not.toHaveProperty('refreshHash');
  });
});

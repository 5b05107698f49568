import { Redis } from 'ioredis';
import pino from 'pino';
import { EventBus, SessionGate, SessionStore, type Principal } from '../src';
import { createTestRedis, type TestRedis } from '../testing';

const log = pino({ level: 'silent' });
let testRedis: TestRedis;
let redis: Redis;
let prefix: string;
let bus: EventBus;
let store: SessionStore;

beforeEach(() => {
  testRedis = createTestRedis('gate');
  ({ redis, prefix } = testRedis);
  bus = new EventBus(redis, prefix, log);
  store = new SessionStore(redis, prefix);
});

afterEach(async () => {
  await bus.close();
  await testRedis.close();
});

const tenantId = '8a6e0b1e-7c1f-4c55-9a0e-5a1c2b3d4e5f';

async function userPrincipal(): Promise<Extract<Principal, { kind: 'user' }>> {
  const { session } = await store.create({
    tenantId,
    userId: 'u-1',
    device: { type: 'DESKTOP' },
    ttlSeconds: 600,
  });
  return {
    kind: 'user',
    userId: 'u-1',
    tenantId,
    tenantSlug: 'acme',
    roles: ['OWNER'],
    sessionId: session.id,
  };
}

/** Resolves once this process's bus subscription receives events (it is made in the background). */
async function subscriptionReady(): Promise<void> {
  let heard = false;
  bus.subscribe('tenant.changed', () => (heard = true));
  while (!heard) {
    await bus.publish('tenant.changed', { tenantId, status: 'PROBE' });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Retries until the gate refuses (the revocation travels over pub/sub); fails after 5 s. */
async function refusedSoon(gate: SessionGate, principal: Principal): Promise<unknown> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await gate.assertLive(principal);
    } catch (error) {
      return error;
    }
    if (Date.now() > deadline) throw new Error('the gate still lets the ended session in');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SessionGate', () => {
  test('a live session passes; once revoked, its cached entry is dropped and it is refused', async () => {
    const gate = new SessionGate(store, bus, { cacheTtlMs: 600_000 });
    await subscriptionReady();
    const principal = await userPrincipal();
    await gate.assertLive(principal);
    await gate.assertLive(principal); // now from the local cache
    await store.revoke(tenantId, principal.sessionId, 'LOGOUT');
    expect(await refusedSoon(gate, principal)).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  });

  test('an unknown session is refused; anonymous callers are not the gate’s business', async () => {
    const gate = new SessionGate(store, bus);
    await expect(
      gate.assertLive({ ...(await userPrincipal()), sessionId: 'no-such-session' }),
    ).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(gate.assertLive({ kind: 'anonymous' })).resolves.toBeUndefined();
  });

  test('operators’ sessions live in the platform scope', async () => {
    const gate = new SessionGate(store, bus);
    await subscriptionReady();
    const { session } = await store.create({
      tenantId: 'platform',
      userId: 'op-1',
      device: { type: 'DESKTOP' },
      ttlSeconds: 600,
    });
    const operator: Principal = {
      kind: 'operator',
      operatorId: 'op-1',
      roles: ['PLATFORM_OPERATOR'],
      sessionId: session.id,
    };
    await gate.assertLive(operator);
    await store.revoke('platform', session.id, 'LOGOUT');
    await refusedSoon(gate, operator);
  });

  test('after a Redis reconnect, revocations missed meanwhile still take effect', async () => {
    const gate = new SessionGate(store, bus, { cacheTtlMs: 600_000 });
    const principal = await userPrincipal();
    await subscriptionReady();
    await gate.assertLive(principal);
    // The session goes without an event, like a revocation published while this process's
    // subscription was down.
    await redis.del(`${prefix}{t:${tenantId}}:session:${principal.sessionId}`);
    await gate.assertLive(principal); // still cached: nothing told this process
    // The subscriber connection drops and comes back: the cache is cleared.
    const subscriber = (bus as unknown as { subscriber: Redis }).subscriber;
    // The gate's handler was registered first, so it has run when this one does.
    const reconnected = new Promise<void>((resolve) => bus.onListening(resolve));
    subscriber.disconnect(true);
    await reconnected;
    await expect(gate.assertLive(principal)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  test('a session past its deadline is refused without any event: the cached entry ends with it', async () => {
    // The store says the session has 50 ms left, then that it has ended (as Redis would once
    // the deadline passed); no event is ever published.
    const answers = [50, 0];
    const asked: number[] = [];
    const store = {
      liveness: async () => {
        const remainingMs = answers[Math.min(asked.length, answers.length - 1)];
        asked.push(remainingMs);
        return { remainingMs, lastSeenMs: Date.now() };
      },
      touch: async () => 1,
    };
    const gate = new SessionGate(store, bus, { cacheTtlMs: 600_000 });
    await subscriptionReady();
    const principal = await userPrincipal();
    await gate.assertLive(principal);
    await gate.assertLive(principal); // cached: the store is not asked
    expect(asked).toEqual([50]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(gate.assertLive(principal)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(asked).toEqual([50, 0]);
  });

  test('use is reported to the store at most once per touch interval per process', async () => {
    const touches: string[] = [];
    const counting = {
      liveness: (scope: string, id: string) => store.liveness(scope, id),
      touch: async (scope: string, id: string) => {
        touches.push(id);
        return store.touch(scope, id);
      },
    };
    const gate = new SessionGate(counting, bus, { touchIntervalMs: 60_000 });
    // Just signed in: its use was recorded at sign-in, nothing to report yet.
    const fresh = await userPrincipal();
    for (let i = 0; i < 50; i++) await gate.assertLive(fresh);
    expect(touches).toEqual([]);
    // Last seen two minutes ago (by any process): reported once, however busy.
    const idle = await userPrincipal();
    const twoMinutesAgo = String(Date.now() - 120_000);
    await redis.hset(
      `${prefix}{t:${tenantId}}:session:${idle.sessionId}`,
      'lastSeenMs',
      twoMinutesAgo,
    );
    for (let i = 0; i < 50; i++) await gate.assertLive(idle);
    expect(touches).toEqual([idle.sessionId]);
  });

  test('an ending that arrives while a check is on its way is not undone by that check', async () => {
    let release: (() => void) | undefined;
    // Redis answers "live", but the answer reaches the gate only after the revocation event.
    const slow = {
      liveness: async (scope: string, id: string) => {
        const answer = await store.liveness(scope, id);
        await new Promise<void>((resolve) => (release = resolve));
        return answer;
      },
      touch: (scope: string, id: string) => store.touch(scope, id),
    };
    const gate = new SessionGate(slow, bus, { cacheTtlMs: 600_000 });
    await subscriptionReady();
    const principal = await userPrincipal();
    let heard = false;
    bus.subscribe('session.revoked', (event) => {
      if (event.sessionId === principal.sessionId) heard = true;
    });
    const pending = gate.assertLive(principal);
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.revoke(tenantId, principal.sessionId, 'LOGOUT');
    while (!heard) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await expect(pending).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

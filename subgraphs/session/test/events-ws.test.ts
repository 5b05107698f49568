/**
 * sessionEvents over a real WebSocket (graphql-ws) against the running session subgraph, with
 * real Postgres (the tenant directory) and Redis: the transport the router subscribes through.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CARRIER_CONNECTION_PARAMS,
  migrateControlPlane,
  SessionStore,
  startSubgraph,
  type RunningService,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  createTestTenant,
  testConfig,
  uniqueName,
  until,
  watchSubscription,
  type TestDatabase,
  type TestSigner,
  type TestTenant,
} from '@tradesage/shared/testing';
import { definition } from '../src/server';

const EVENTS = 'subscription { sessionEvents { type session { id status user { id } } } }';

let db: TestDatabase;
let admin: pg.Pool;
let signer: TestSigner;
let service: RunningService;
let redis: Redis;
let store: SessionStore;
let alpha: TestTenant;
let beta: TestTenant;
const redisPrefix = `${uniqueName('events-ws')}:`;

beforeAll(async () => {
  db = await createTestDatabase('events_ws');
  admin = new pg.Pool({ connectionString: db.url, max: 3 });
  signer = await createTestSigner(testConfig());
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_PRIVATE_KEYS: signer.privateKeys,
    SESSION_PORT: '0',
  });
  await migrateControlPlane(admin, config);
  redis = new Redis(config.REDIS_URL);
  store = new SessionStore(redis, redisPrefix);
  alpha = await createTestTenant(admin, config, 'alpha-events');
  beta = await createTestTenant(admin, config, 'beta-events');
  service = await startSubgraph(definition, { config });
}, 120_000);

afterAll(async () => {
  for (const watcher of watchers) await watcher.dispose();
  await service?.stop();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await admin?.end();
  await db?.drop();
});

/** The owner's access token, for a session opened in the store. */
async function ownerToken(tenant: TestTenant): Promise<{ token: string; sessionId: string }> {
  const { session } = await store.create({
    tenantId: tenant.id,
    userId: tenant.owner.id,
    device: { type: 'DESKTOP' },
  });
  const token = await signer.sign({
    sub: tenant.owner.id,
    tid: tenant.id,
    tslug: tenant.slug,
    roles: ['OWNER'],
    sid: session.id,
  });
  return { token, sessionId: session.id };
}

interface Received {
  type: string;
  session: { id: string; status: string; user: { id: string } };
}

const watchers: { dispose(): Promise<void> }[] = [];
function watch(token: string) {
  const watcher = watchSubscription<Received>({
    url: service.url,
    token,
    query: EVENTS,
    select: (data) => data.sessionEvents as Received,
  });
  watchers.push(watcher);
  return watcher;
}

/** Opens sessions in the tenant until the watcher hears one: its subscription is live. */
async function live(tenant: TestTenant, watcher: { events: Received[] }): Promise<void> {
  const opened = new Set<string>();
  const deadline = Date.now() + 10_000;
  while (!watcher.events.some((event) => opened.has(event.session.id))) {
    if (Date.now() > deadline) throw new Error('subscription never became live');
    const { session } = await store.create({
      tenantId: tenant.id,
      userId: 'probe',
      device: { type: 'OTHER' },
    });
    opened.add(session.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("over graphql-ws, each tenant's OWNER receives their tenant's events and none of the other's", async () => {
  const alphaWatch = watch((await ownerToken(alpha)).token);
  const betaWatch = watch((await ownerToken(beta)).token);
  await live(alpha, alphaWatch);
  await live(beta, betaWatch);
  const alphaSeen = alphaWatch.events.length;
  const betaSeen = betaWatch.events.length;

  const inAlpha = await store.create({
    tenantId: alpha.id,
    userId: alpha.owner.id,
    device: { type: 'MOBILE' },
  });
  await store.revoke(alpha.id, inAlpha.session.id, 'LOGOUT');
  await until(() => alphaWatch.events.length >= alphaSeen + 2, 'alpha events');
  expect(alphaWatch.events.slice(alphaSeen)).toEqual([
    {
      type: 'CREATED',
      session: { id: inAlpha.session.id, status: 'ACTIVE', user: { id: alpha.owner.id } },
    },
    {
      type: 'REVOKED',
      session: { id: inAlpha.session.id, status: 'REVOKED', user: { id: alpha.owner.id } },
    },
  ]);
  // Beta's own marker arrives after alpha's events were published: nothing of alpha's came.
  await live(beta, betaWatch);
  const ids = new Set(betaWatch.events.slice(betaSeen).map((event) => event.session.id));
  expect(ids.has(inAlpha.session.id)).toBe(false);
});

test('a bad token, or the token of an ended session, is refused at connection with 4401', async () => {
  const bad = watch('not-a-token');
  const { token, sessionId } = await ownerToken(alpha);
  await store.revoke(alpha.id, sessionId, 'LOGOUT');
  const ended = watch(token);
  await until(() => bad.closeCodes.length + ended.closeCodes.length === 2, 'both closed');
  expect([...bad.closeCodes, ...ended.closeCodes]).toEqual([4401, 4401]);
  expect(bad.events).toEqual([]);
  expect(ended.events).toEqual([]);
});

test("revoking the subscriber's own session closes its socket with 4401", async () => {
  const { token, sessionId } = await ownerToken(alpha);
  const watcher = watch(token);
  await live(alpha, watcher);
  await store.revoke(alpha.id, sessionId, 'REVOKED');
  await until(() => watcher.closeCodes.length > 0, 'closed');
  expect(watcher.closeCodes).toEqual([4401]);
  // Whatever arrived before the close, nothing after: the stream is over.
  expect(watcher.completed()).toBe(false);
});

/** One subscription on a carrier socket, with its caller's token in the subscribe message. */
function carried(carrier: Client, token: string | undefined) {
  const seen = { events: [] as Received[], errors: [] as { extensions?: { code?: string } }[] };
  const done = (async () => {
    try {
      const results = carrier.iterate<{ sessionEvents: Received }>({
        query: EVENTS,
        extensions: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      for await (const result of results) {
        if (result.data) seen.events.push(result.data.sessionEvents);
        seen.errors.push(...((result.errors ?? []) as unknown as typeof seen.errors));
      }
    } catch (refusal) {
      seen.errors.push(...(refusal as typeof seen.errors));
    }
  })();
  return { ...seen, done };
}

test("a carrier socket (the router's) carries several callers' subscriptions, each on its own credentials", async () => {
  const carrier = createClient({
    url: service.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: CARRIER_CONNECTION_PARAMS,
    retryAttempts: 0,
  });
  const alphaOwner = await ownerToken(alpha);
  const alphaWatch = carried(carrier, alphaOwner.token);
  const betaWatch = carried(carrier, (await ownerToken(beta)).token);
  const anonymous = carried(carrier, undefined);
  const forged = carried(carrier, 'not-a-token');
  await live(alpha, alphaWatch);
  await live(beta, betaWatch);
  // The callers without credentials are refused, each alone; the socket carries on.
  await Promise.all([anonymous.done, forged.done]);
  expect(anonymous.errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  expect(forged.errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  expect([...anonymous.events, ...forged.events]).toEqual([]);
  // Beta's subscriber heard none of alpha's sessions.
  const alphaIds = new Set(alphaWatch.events.map((event) => event.session.id));
  expect(betaWatch.events.some((event) => alphaIds.has(event.session.id))).toBe(false);

  // Alpha's caller signs out: that subscription ends with UNAUTHENTICATED; beta's goes on.
  await store.revoke(alpha.id, alphaOwner.sessionId, 'LOGOUT');
  await alphaWatch.done;
  expect(alphaWatch.errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  const betaSeen = betaWatch.events.length;
  await live(beta, betaWatch);
  expect(betaWatch.events.length).toBeGreaterThan(betaSeen);
  await carrier.dispose();
  await betaWatch.done;
});

// Last: it stops the service (afterAll's stop is then a no-op).
test('stopping the service closes open subscriptions with 1001 (going away) before it drains', async () => {
  const { token } = await ownerToken(beta);
  const watcher = watch(token);
  await live(beta, watcher);
  await service.stop();
  await until(() => watcher.closeCodes.length > 0, 'closed');
  expect(watcher.closeCodes).toEqual([1001]);
});

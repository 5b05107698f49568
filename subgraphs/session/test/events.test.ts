/**
 * The sessionEvents subscription of the session subgraph, executed against its guarded schema
 * with real Redis: who receives which events, and that no tenant receives another's.
 */
import { randomUUID } from 'node:crypto';
import { parse, subscribe, type ExecutionResult } from 'graphql';
import {
  buildGuardedSubgraphSchema,
  closeSubgraphDeps,
  createLogger,
  createSubgraphDeps,
  type Principal,
  type SubgraphDeps,
} from '@tradesage/shared';
import { testConfig, until } from '@tradesage/shared/testing';
import { definition } from '../src/server';
import type { SessionServices } from '../src/data';

const SUBSCRIPTION = parse(`
  subscription {
    sessionEvents { type at session { id status current device { type } user { id } } }
  }
`);

let deps: SubgraphDeps;
let services: SessionServices;
const schema = buildGuardedSubgraphSchema(definition);

beforeAll(() => {
  const config = testConfig({ REDIS_KEY_PREFIX: `test:session-events:${randomUUID()}:` });
  deps = createSubgraphDeps(config, createLogger('session-events-test', config), 'test');
  services = definition.createServices(deps);
});

afterAll(async () => {
  const keys = await deps.redis.keys(`${deps.config.REDIS_KEY_PREFIX}*`);
  if (keys.length) await deps.redis.del(...keys);
  await closeSubgraphDeps(deps);
});

/** A live session in the store and the principal its access token would carry. */
async function signedIn(tenantId: string, userId: string, roles: string[]): Promise<Principal> {
  const { session } = await deps.sessions.create({ tenantId, userId, device: { type: 'DESKTOP' } });
  return { kind: 'user', tenantId, tenantSlug: 't', userId, roles, sessionId: session.id };
}

interface Received {
  type: string;
  session: { id: string; status: string; current: boolean; user: { id: string } };
}

const subscribeAs = (principal: Principal) =>
  subscribe({
    schema,
    document: SUBSCRIPTION,
    contextValue: {
      principal,
      requestId: randomUUID(),
      log: deps.log,
      responseHeaders: new Map(),
      services,
    },
  });

/** Subscribes as `principal`, collecting events until the stream ends or `stop` is called. */
async function watch(principal: Principal) {
  const stream = await subscribeAs(principal);
  if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream.errors));
  const events: Received[] = [];
  let ended = false;
  const reading = (async () => {
    for await (const result of stream) {
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      events.push((result.data as { sessionEvents: Received }).sessionEvents);
    }
    ended = true;
  })();
  return {
    events,
    ended: () => ended,
    stop: async () => {
      await stream.return?.();
      await reading;
    },
  };
}

/**
 * Opens and ends a marker session in each tenant and waits until each watcher has seen its
 * own tenant's marker: events of one channel arrive in order, so all earlier ones are in.
 */
async function settle(
  watchers: { events: Received[] }[],
  markers: { tenantId: string; userId: string }[],
): Promise<void> {
  const ids = new Set<string>();
  for (const { tenantId, userId } of markers) {
    const { session } = await deps.sessions.create({ tenantId, userId, device: { type: 'OTHER' } });
    await deps.sessions.revoke(tenantId, session.id, 'LOGOUT');
    ids.add(session.id);
  }
  await until(() =>
    watchers.every((watcher) =>
      watcher.events.some((event) => event.type === 'REVOKED' && ids.has(event.session.id)),
    ),
  );
}

test('members see their own sessions, OWNER and ADMIN the whole tenant, and no one another tenant', async () => {
  const [tenantA, tenantB] = [randomUUID(), randomUUID()];
  const viewerA = await signedIn(tenantA, 'viewer-a', ['VIEWER']);
  const adminA = await signedIn(tenantA, 'admin-a', ['ADMIN']);
  const ownerB = await signedIn(tenantB, 'owner-b', ['OWNER']);
  const [viewer, admin, owner] = [await watch(viewerA), await watch(adminA), await watch(ownerB)];
  // Make sure all three subscriptions are live before the scripted events.
  await settle([viewer, admin], [{ tenantId: tenantA, userId: 'viewer-a' }]);
  await settle([owner], [{ tenantId: tenantB, userId: 'owner-b' }]);
  for (const watcher of [viewer, admin, owner]) watcher.events.length = 0;

  const viewerPhone = await deps.sessions.create({
    tenantId: tenantA,
    userId: 'viewer-a',
    device: { type: 'MOBILE' },
  });
  const colleague = await deps.sessions.create({
    tenantId: tenantA,
    userId: 'trader-a',
    device: { type: 'DESKTOP' },
  });
  await deps.sessions.revoke(tenantA, colleague.session.id, 'REVOKED');
  await deps.sessions.rotateRefreshToken(viewerPhone.refreshToken);
  const inB = await deps.sessions.create({
    tenantId: tenantB,
    userId: 'trader-b',
    device: { type: 'TABLET' },
  });
  await settle(
    [viewer, admin, owner],
    [
      { tenantId: tenantA, userId: 'viewer-a' },
      { tenantId: tenantB, userId: 'owner-b' },
    ],
  );

  const summary = (events: Received[]) =>
    events.slice(0, -2).map((event) => [event.type, event.session.user.id, event.session.status]);
  expect(summary(viewer.events)).toEqual([
    ['CREATED', 'viewer-a', 'ACTIVE'],
    ['REFRESHED', 'viewer-a', 'ACTIVE'],
  ]);
  expect(summary(admin.events)).toEqual([
    ['CREATED', 'viewer-a', 'ACTIVE'],
    ['CREATED', 'trader-a', 'ACTIVE'],
    ['REVOKED', 'trader-a', 'REVOKED'],
    ['REFRESHED', 'viewer-a', 'ACTIVE'],
  ]);
  expect(summary(owner.events)).toEqual([['CREATED', 'trader-b', 'ACTIVE']]);
  expect(owner.events[0].session.id).toBe(inB.session.id);
  // Nothing from tenant A ever reached tenant B's OWNER, and the reverse.
  const idsOf = (events: Received[]) => new Set(events.map((event) => event.session.id));
  for (const id of idsOf(owner.events)) expect(idsOf(admin.events).has(id)).toBe(false);

  for (const watcher of [viewer, admin, owner]) await watcher.stop();
});

test("a stream ends after the event that ends the subscriber's own session", async () => {
  const tenantId = randomUUID();
  const member = await signedIn(tenantId, 'member', ['TRADER']);
  const watcher = await watch(member);
  await settle([watcher], [{ tenantId, userId: 'member' }]);
  if (member.kind !== 'user') throw new Error('not a user');
  await deps.sessions.revoke(tenantId, member.sessionId, 'REVOKED');
  await until(() => watcher.ended());
  expect(watcher.events.at(-1)).toMatchObject({
    type: 'REVOKED',
    session: { id: member.sessionId, status: 'REVOKED', current: true },
  });
});

test('anonymous callers and operators cannot subscribe', async () => {
  for (const principal of [
    { kind: 'anonymous' } as const,
    { kind: 'operator', operatorId: 'op', sessionId: randomUUID() } as const,
  ]) {
    const result = (await subscribeAs(principal as Principal)) as ExecutionResult;
    expect(Symbol.asyncIterator in result).toBe(false);
    expect(result.errors?.map((error) => error.extensions.code)).toEqual([
      principal.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
    ]);
  }
});

test("a slow reader's stream still ends when its session ends, though the ending event was dropped", async () => {
  const tenantId = randomUUID();
  const owner = await signedIn(tenantId, 'owner', ['OWNER']);
  if (owner.kind !== 'user') throw new Error('not a user');
  const stream = (await subscribeAs(owner)) as AsyncGenerator<ExecutionResult>;
  // Make sure the subscription is live: one event in, then nothing read for a while.
  const probe = await deps.sessions.create({ tenantId, userId: 'x', device: { type: 'OTHER' } });
  expect((await stream.next()).value.data.sessionEvents.session.id).toBe(probe.session.id);
  await deps.sessions.revoke(tenantId, owner.sessionId, 'REVOKED');
  // 150 more events overflow the queue (100): the owner's REVOKED event is dropped.
  for (let i = 0; i < 150; i++)
    await deps.sessions.create({ tenantId, userId: `u-${i}`, device: { type: 'OTHER' } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  let delivered = 0;
  for (;;) {
    const result = await stream.next();
    if (result.done) break;
    delivered++;
  }
  expect(delivered).toBeLessThanOrEqual(100);
});

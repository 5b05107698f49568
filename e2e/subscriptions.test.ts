/**
 * Federated subscriptions through the router over graphql-ws: the React app's SessionEvents,
 * planned by the gateway, subscribed at the session subgraph, with `session.user.email` resolved
 * by the user subgraph for every event.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CARRIER_CONNECTION_PARAMS } from '@tradesage/shared';
import { settled, until, watchMultipart, watchSubscription } from '@tradesage/shared/testing';
import {
  graphql,
  login,
  OPERATOR,
  operation,
  startStack,
  type ServiceName,
  type SignedIn,
  type Stack,
} from './support/stack';

let stack: Stack;
let operatorToken: string;
const tenantIds: Record<string, string> = {};
const ALPHA = { slug: 'alpha-subs', email: 'ada@alpha-subs.test', password: 'adas long password' };
const BETA = { slug: 'beta-subs', email: 'ben@beta-subs.test', password: 'bens long password' };
const GAMMA = { slug: 'gamma-subs', email: 'gil@gamma-subs.test', password: 'gils long password' };

interface SessionEvent {
  type: string;
  at: string;
  session: {
    id: string;
    status: string;
    device: { type: string };
    user: { id: string; email: string };
  };
}

const signIn = (who: typeof ALPHA) =>
  login(stack, { tenantSlug: who.slug, email: who.email, password: who.password });

function watchEvents(token: string) {
  return watchSubscription<SessionEvent>({
    url: stack.routerUrl,
    token,
    query: operation('SessionEvents'),
    select: (data) => data.sessionEvents as SessionEvent,
  });
}

/** Signs in until the watcher hears one of those sign-ins: its subscription is live. */
async function live(who: typeof ALPHA, watcher: { events: SessionEvent[] }): Promise<SignedIn[]> {
  const opened: SignedIn[] = [];
  const deadline = Date.now() + 15_000;
  while (!watcher.events.some((event) => opened.some((s) => s.sessionId === event.session.id))) {
    if (Date.now() > deadline) throw new Error('subscription never became live');
    opened.push(await signIn(who));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return opened;
}

/** One of the router's metrics (or another service's), read from /metrics. */
async function metric(pattern: RegExp, service: ServiceName = 'router'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}
const wsSubscriptions = () =>
  metric(/graphql_subscriptions_active\{[^}]*transport="websocket"[^}]*\} (\d+)/);
const multipartSubscriptions = () =>
  metric(/graphql_subscriptions_active\{[^}]*transport="multipart"[^}]*\} (\d+)/);
const sockets = () => metric(/websocket_connections_active\{[^}]*\} (\d+)/);

beforeAll(async () => {
  // Health rounds every second, so the TenantHealth stream has events to carry.
  stack = await startStack('e2e_subscriptions', {
    env: {
      TENANT_HEALTH_INTERVAL_MS: '1000',
      SUBSCRIPTIONS_PER_CONNECTION: '2',
      SUBSCRIPTIONS_PER_TENANT: '4',
    },
  });
  const op = await graphql(stack.routerUrl, operation('OperatorLogin'), undefined, OPERATOR);
  operatorToken = op.body.data.operatorLogin.accessToken;
  for (const tenant of [ALPHA, BETA, GAMMA]) {
    const created = await graphql(stack.routerUrl, operation('CreateTenant'), operatorToken, {
      input: {
        slug: tenant.slug,
        name: tenant.slug,
        plan: 'PRO',
        owner: { email: tenant.email, name: 'Owner', password: tenant.password },
      },
    });
    expect(created.body.errors).toBeUndefined();
    tenantIds[tenant.slug] = created.body.data.createTenant.tenant.id;
  }
}, 120_000);
afterAll(() => stack?.close());

test('SessionEvents over graphql-ws resolve session.user.email from the user subgraph, and tenant B hears nothing of A', async () => {
  const alphaOwner = await signIn(ALPHA);
  const betaOwner = await signIn(BETA);
  const alpha = watchEvents(alphaOwner.token);
  const beta = watchEvents(betaOwner.token);
  try {
    await live(ALPHA, alpha);
    await live(BETA, beta);
    const betaSeen = beta.events.length;
    const seen = alpha.events.length;

    const phone = await signIn(ALPHA);
    await until(() => alpha.events.length > seen, 'the CREATED event');
    expect(alpha.events.at(-1)).toEqual({
      type: 'CREATED',
      at: expect.any(String),
      session: {
        id: phone.sessionId,
        status: 'ACTIVE',
        device: { type: 'OTHER' },
        user: { id: alphaOwner.userId, email: ALPHA.email },
      },
    });
    expect(alpha.errors).toEqual([]);
    // Beta's own events still arrive after alpha's: none of alpha's came.
    await live(BETA, beta);
    const betaIds = beta.events.slice(betaSeen).map((event) => event.session.id);
    expect(betaIds).not.toContain(phone.sessionId);
    expect(beta.events.every((event) => event.session.user.email === BETA.email)).toBe(true);
  } finally {
    await alpha.dispose();
    await beta.dispose();
  }
});

test("revoking the subscriber's own session closes its SessionEvents socket with 4401", async () => {
  const owner = await signIn(ALPHA);
  const watcher = watchEvents(owner.token);
  try {
    await live(ALPHA, watcher);
    const other = await signIn(ALPHA);
    const revoked = await graphql(stack.routerUrl, operation('RevokeSession'), other.token, {
      id: owner.sessionId,
    });
    expect(revoked.body.data.revokeSession.status).toBe('REVOKED');
    await until(() => watcher.closeCodes.length > 0, 'the socket closes');
    expect(watcher.closeCodes).toEqual([4401]);
    // Nothing of the ended session's REVOKED event was resolved with its dead token.
    expect(watcher.events.map((event) => event.session.id)).not.toContain(owner.sessionId);
  } finally {
    await watcher.dispose();
  }
});

test('a bad token is refused at connection with 4401, and queries are refused over WebSocket', async () => {
  const bad = watchEvents('not-a-token');
  await until(() => bad.closeCodes.length > 0, 'closed');
  expect(bad.closeCodes).toEqual([4401]);

  const owner = await signIn(ALPHA);
  const query = watchSubscription<unknown>({
    url: stack.routerUrl,
    token: owner.token,
    query: '{ me { id } }',
    select: (data) => data,
  });
  try {
    await until(() => query.completed() || query.errors.length > 0, 'an answer');
    expect(query.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
  } finally {
    await query.dispose();
  }
});

test("TenantHealth through the router: the tenant's OWNER receives its health; the stream ends on suspension", async () => {
  const owner = await signIn(BETA);
  const tenantId = tenantIds[BETA.slug];
  const watcher = watchSubscription<Record<string, unknown>>({
    url: stack.routerUrl,
    token: owner.token,
    query: operation('TenantHealth'),
    variables: { tenantId },
    select: (data) => data.tenantHealth as Record<string, unknown>,
  });
  // Another tenant's health is not the OWNER's to watch.
  const foreign = watchSubscription<unknown>({
    url: stack.routerUrl,
    token: owner.token,
    query: operation('TenantHealth'),
    variables: { tenantId: tenantIds[ALPHA.slug] },
    select: (data) => data,
  });
  try {
    await until(() => watcher.events.length > 0, 'a health event');
    expect(watcher.events[0]).toEqual({
      tenantId,
      status: 'HEALTHY',
      dbLatencyMs: expect.any(Number),
      activeSessions: expect.any(Number),
      checkedAt: expect.any(String),
    });
    await until(() => foreign.errors.length > 0 || foreign.failure() !== undefined, 'refusal');
    expect(foreign.events).toEqual([]);
    expect(foreign.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);

    const suspended = await graphql(stack.routerUrl, operation('SuspendTenant'), operatorToken, {
      id: tenantId,
      reason: 'test',
    });
    expect(suspended.body.data.suspendTenant.status).toBe('SUSPENDED');
    await until(() => watcher.completed() || watcher.failure() !== undefined, 'the end');
  } finally {
    await watcher.dispose();
    await foreign.dispose();
  }
});

test("SessionEvents over Apollo's multipart HTTP protocol resolve session.user.email too", async () => {
  const owner = await signIn(ALPHA);
  const watcher = watchMultipart<SessionEvent>({
    url: stack.routerUrl,
    token: owner.token,
    query: operation('SessionEvents'),
    select: (data) => data.sessionEvents as SessionEvent,
  });
  try {
    await until(() => watcher.heartbeats() > 0, 'the first part');
    expect(watcher.response()).toEqual({
      status: 200,
      contentType: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
    });
    await live(ALPHA, watcher);
    const phone = await signIn(ALPHA);
    await until(() => watcher.events.some((e) => e.session.id === phone.sessionId), 'the event');
    expect(watcher.events.find((e) => e.session.id === phone.sessionId)).toMatchObject({
      type: 'CREATED',
      session: { status: 'ACTIVE', user: { id: owner.userId, email: ALPHA.email } },
    });
    expect(watcher.errors).toEqual([]);
  } finally {
    watcher.abort();
  }

  // Without a valid token: an ordinary 401 JSON answer, no stream.
  const refused = watchMultipart<unknown>({
    url: stack.routerUrl,
    token: 'not-a-token',
    query: operation('SessionEvents'),
    select: (data) => data,
  });
  await until(() => refused.body() !== undefined, 'the answer');
  expect(refused.response()?.status).toBe(401);
  expect(refused.body()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
});

test('revoking a session closes its open subscriptions at once: WebSocket 4401, multipart UNAUTHENTICATED', async () => {
  const owner = await signIn(ALPHA);
  const tenantId = tenantIds[ALPHA.slug];
  const overWs = watchSubscription<unknown>({
    url: stack.routerUrl,
    token: owner.token,
    query: operation('TenantHealth'),
    variables: { tenantId },
    select: (data) => data.tenantHealth,
  });
  const overHttp = watchMultipart<unknown>({
    url: stack.routerUrl,
    token: owner.token,
    query: operation('TenantHealth'),
    variables: { tenantId },
    select: (data) => data.tenantHealth,
  });
  try {
    // Both streams are open: health events arrive every second.
    await until(() => overWs.events.length > 0 && overHttp.events.length > 0, 'health events');
    const other = await signIn(ALPHA);
    await graphql(stack.routerUrl, operation('RevokeSession'), other.token, {
      id: owner.sessionId,
    });
    await until(() => overWs.closeCodes.length > 0 && overHttp.completed(), 'both closed');
    expect(overWs.closeCodes).toEqual([4401]);
    expect(overHttp.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
  } finally {
    await overWs.dispose();
    overHttp.abort();
  }
});

test('the router counts open sockets and subscriptions, and a client going away frees them at once', async () => {
  const owner = await signIn(ALPHA);
  // A quiet subscription (no sign-ins meanwhile): only return() can end it.
  const request = {
    url: stack.routerUrl,
    token: owner.token,
    query: operation('SessionEvents'),
    select: (data: Record<string, unknown>) => data,
  };
  const overWs = watchSubscription(request);
  const overHttp = watchMultipart(request);
  expect(await settled(wsSubscriptions, (count) => count === 1, { intervalMs: 50 })).toBe(1);
  expect(await settled(multipartSubscriptions, (count) => count === 1, { intervalMs: 50 })).toBe(1);
  expect(await settled(sockets, (count) => count === 1, { intervalMs: 50 })).toBe(1);
  await overWs.dispose();
  overHttp.abort();
  expect(await settled(wsSubscriptions, (count) => count === 0, { intervalMs: 50 })).toBe(0);
  expect(await settled(multipartSubscriptions, (count) => count === 0, { intervalMs: 50 })).toBe(0);
  expect(await settled(sockets, (count) => count === 0, { intervalMs: 50 })).toBe(0);
});

test("the router carries every client's subscriptions to a subgraph on one socket, and accepts no carrier itself", async () => {
  const subscribers = [await signIn(ALPHA), await signIn(ALPHA), await signIn(ALPHA)].map((user) =>
    watchSubscription({
      url: stack.routerUrl,
      token: user.token,
      query: operation('SessionEvents'),
      select: (data: Record<string, unknown>) => data,
    }),
  );
  try {
    const atSession = (pattern: RegExp) => () => metric(pattern, 'session');
    const sessionSockets = atSession(/websocket_connections_active\{[^}]*\} (\d+)/);
    const sessionSubscriptions = atSession(
      /graphql_subscriptions_active\{[^}]*transport="websocket"[^}]*\} (\d+)/,
    );
    expect(await settled(sockets, (count) => count === 3, { intervalMs: 50 })).toBe(3);
    expect(await settled(sessionSubscriptions, (n) => n === 3, { intervalMs: 50 })).toBe(3);
    expect(await sessionSockets()).toBe(1);
  } finally {
    for (const subscriber of subscribers) await subscriber.dispose();
  }
  // A client claiming to be a carrier at the router is just an anonymous connection.
  const closeCodes: number[] = [];
  const pretender = createClient({
    url: stack.routerUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: CARRIER_CONNECTION_PARAMS,
    retryAttempts: 0,
    on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
  });
  const owner = await signIn(ALPHA);
  const refused = pretender.iterate({
    query: operation('SessionEvents'),
    extensions: { authorization: `Bearer ${owner.token}` },
  });
  await expect(refused.next()).rejects.toMatchObject({ code: 4401 });
  expect(closeCodes).toEqual([4401]);
  await pretender.dispose();
});

test('subscription limits: per connection, and per tenant, with LIMIT_EXCEEDED', async () => {
  const owner = await signIn(GAMMA);
  const request = {
    url: stack.routerUrl,
    token: owner.token,
    query: operation('SessionEvents'),
    select: (data: Record<string, unknown>) => data,
  };
  // Opened one at a time: each is counted (the router's gauge) before the next one asks.
  const opened = async (count: number) =>
    until(async () => (await wsSubscriptions()) === count, `${count} open subscriptions`);
  await opened(0);
  // One connection, three subscriptions: the third is refused.
  const first = watchSubscription(request);
  await opened(1);
  const onSame = [first.client.iterate({ query: operation('SessionEvents') })];
  await opened(2);
  onSame.push(first.client.iterate({ query: operation('SessionEvents') }));
  const refusedOnConnection = await onSame[1].next().catch((error: unknown) => error);
  expect(JSON.stringify(refusedOnConnection)).toContain('LIMIT_EXCEEDED');
  expect(JSON.stringify(refusedOnConnection)).toContain('per connection');

  // The tenant holds 2 (on that connection); two more connections bring it to 4, the limit.
  const more = [watchSubscription(request)];
  await opened(3);
  more.push(watchSubscription(request));
  await opened(4);
  const over = watchSubscription(request);
  try {
    await until(() => over.errors.length > 0 || over.failure() !== undefined, 'the refusal');
    expect(JSON.stringify([...over.errors, over.failure()])).toContain('LIMIT_EXCEEDED');
    for (const watcher of more) expect(watcher.errors).toEqual([]);
  } finally {
    await onSame[0].return?.();
    for (const watcher of [first, ...more, over]) await watcher.dispose();
  }
});

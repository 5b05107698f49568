/**
 * The router's edge: query limits (graphql-armor), the body-size limit, rate limits per tenant
 * and per anonymous IP (429 with Retry-After), CORS and security headers.
 */
import { randomUUID } from 'node:crypto';
import { until, watchMultipart, watchSubscription } from '@tradesage/shared/testing';
import {
  graphql,
  OPERATOR,
  operation,
  sessionToken,
  startStack,
  type Stack,
} from './support/stack';

let stack: Stack;
let operatorToken: string;

beforeAll(async () => {
  stack = await startStack('e2e_edge', {
    env: {
      MAX_QUERY_DEPTH: '6',
      MAX_ALIASES: '5',
      MAX_BODY_BYTES: '4096',
      ANONYMOUS_REQUESTS_PER_MINUTE: '20',
    },
  });
  const op = await graphql(stack.routerUrl, operation('OperatorLogin'), undefined, OPERATOR);
  operatorToken = op.body.data.operatorLogin.accessToken;
}, 120_000);
afterAll(() => stack?.close());

/** A different client address per test (the router trusts loopback proxies' X-Forwarded-For). */
let lastIp = 0;
const freshIp = () => `198.51.100.${++lastIp}`;

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions: Record<string, unknown> }[];
    },
  };
}

test('a depth bomb is refused before planning, with a coded error', async () => {
  const deep =
    '{ me { tenant { id } sessions { user { sessions { user { sessions { id } } } } } } }';
  const result = await post({ query: deep });
  expect(result.status).toBe(400);
  expect(result.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(result.body.errors?.[0].message).toMatch(/depth/i);
});

test('an alias bomb is refused', async () => {
  const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: me { id }`).join(' ');
  const result = await post({ query: `{ ${aliases} }` });
  expect(result.status).toBe(400);
  expect(result.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(result.body.errors?.[0].message).toMatch(/alias/i);
});

test('an oversized body gets 413 with a coded error, and a body that is not JSON 400', async () => {
  const padding = 'x'.repeat(8 * 1024);
  const big = await post({ query: `{ __typename } # ${padding}` });
  expect(big.status).toBe(413);
  expect(big.body.errors?.[0].extensions).toEqual({
    code: 'BAD_USER_INPUT',
    reason: 'BODY_TOO_LARGE',
  });
  const garbage = await post('{"query": ');
  expect(garbage.status).toBe(400);
  expect(garbage.body.errors?.[0].extensions).toEqual({
    code: 'BAD_USER_INPUT',
    reason: 'BODY_NOT_JSON',
  });
});

test('anonymous traffic is limited per IP: 429 with Retry-After, and another IP still passes', async () => {
  const ip = freshIp();
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<typeof post>> | undefined;
  for (let i = 0; i < 25; i++) {
    const result = await post({ query: '{ __typename }' }, { 'x-forwarded-for': ip });
    statuses.push(result.status);
    if (result.status === 429) limited ??= result;
  }
  expect(statuses).toEqual([...Array(20).fill(200), 429, 429, 429, 429, 429]);
  expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited!.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
  const other = await post({ query: '{ __typename }' }, { 'x-forwarded-for': '203.0.113.250' });
  expect(other.status).toBe(200);
});

test("a tenant's users share its plan's requestsPerMinute; other tenants are not affected", async () => {
  const tenants: { id: string; token: string }[] = [];
  for (const slug of [`rl-${randomUUID().slice(0, 8)}`, `rl-${randomUUID().slice(0, 8)}`]) {
    const created = await graphql(stack.routerUrl, operation('CreateTenant'), operatorToken, {
      input: { slug, name: slug, plan: 'PRO', owner: { email: `o@${slug}.test`, name: 'O' } },
    });
    const { tenant, owner } = created.body.data.createTenant;
    const token = await sessionToken(stack, {
      sub: owner.id,
      tid: tenant.id,
      tslug: slug,
      roles: ['OWNER'],
    });
    tenants.push({ id: tenant.id, token });
  }
  const limits = await graphql(stack.routerUrl, operation('UpdateTenantLimits'), operatorToken, {
    id: tenants[0].id,
    input: { requestsPerMinute: 5 },
  });
  expect(limits.body.data.updateTenantLimits.limits.requestsPerMinute).toBe(5);
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) {
    const result = await post(
      { query: '{ me { id } }' },
      { authorization: `Bearer ${tenants[0].token}` },
    );
    statuses.push(result.status);
  }
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  const other = await post(
    { query: '{ me { id } }' },
    { authorization: `Bearer ${tenants[1].token}` },
  );
  expect(other.status).toBe(200);
});

test('CORS allows the configured app origin only, and security headers are set', async () => {
  const preflight = (origin: string) =>
    fetch(stack.routerUrl, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
  const allowed = await preflight('http://app.test');
  expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
  const refused = await preflight('https://evil.example');
  expect(refused.headers.get('access-control-allow-origin')).toBeNull();

  const response = await post({ query: '{ __typename }' });
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-powered-by')).toBeNull();
});

test('the router counts rate-limit rejections by scope and times its subgraph fetches', async () => {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports.router}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  // The rate-limit tests above: 5 anonymous and 2 tenant rejections.
  expect(value(/rate_limit_rejections_total\{[^}]*scope="anonymous"[^}]*\} (\d+)/)).toBe(5);
  expect(value(/rate_limit_rejections_total\{[^}]*scope="tenant"[^}]*\} (\d+)/)).toBe(2);
  expect(
    value(
      /subgraph_fetch_duration_seconds_count\{[^}]*subgraph="user"[^}]*outcome="success"[^}]*\} (\d+)/,
    ),
  ).toBeGreaterThan(0);
});

test('the query limits hold for subscriptions over WebSocket and multipart too', async () => {
  const deep =
    'subscription { sessionEvents { session { user { sessions { user { sessions { user { id } } } } } } } }';
  const overHttp = watchMultipart<unknown>({ url: stack.routerUrl, query: deep, select: (d) => d });
  const overWs = watchSubscription<unknown>({
    token: operatorToken,
    url: stack.routerUrl,
    query: deep,
    select: (d) => d,
  });
  try {
    await until(
      () => overHttp.body() !== undefined && (overWs.errors.length > 0 || !!overWs.failure()),
      'both refusals',
    );
    expect(overHttp.response()?.status).toBe(400);
    expect(JSON.stringify(overHttp.body())).toMatch(/depth/i);
    expect(JSON.stringify([...overWs.errors, overWs.failure()])).toMatch(/depth/i);
    expect(overWs.events).toEqual([]);
    // Without a token, a socket is not even accepted: no subscription is open to anonymous callers.
    const anonymous = watchSubscription<unknown>({
      url: stack.routerUrl,
      query: deep,
      select: (d) => d,
    });
    await until(() => anonymous.closeCodes.length > 0, 'the close');
    expect(anonymous.closeCodes).toEqual([4401]);
    await anonymous.dispose();
  } finally {
    overHttp.abort();
    await overWs.dispose();
  }
});

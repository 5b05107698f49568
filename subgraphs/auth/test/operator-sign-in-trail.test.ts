/**
 * The operators' sign-in trail (operator_audit_events) is readable by operators, and by no one
 * else. Their actions on tenants are the tenant subgraph's trail (its own tests).
 */
import { OPERATOR, startAuthTestEnv, type AuthTestEnv } from './support';

const OPERATOR_LOGIN =
  'mutation O($e: String!, $p: String!) { operatorLogin(email: $e, password: $p) { accessToken operator { id } } }';
const LOGIN = `mutation L($input: LoginInput!) { login(input: $input) { accessToken } }`;
const TRAIL = `query T($operatorId: ID, $first: Int, $after: String) {
  operatorSignInEvents(operatorId: $operatorId, first: $first, after: $after) {
    edges { cursor node { id type actorId subjectId ipAddress userAgent metadata } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Node {
  id: string;
  type: string;
  actorId: string | null;
  subjectId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
}

let env: AuthTestEnv;
beforeAll(async () => {
  env = await startAuthTestEnv('ts_operator_trail');
}, 120_000);
afterAll(() => env.close());

function codeOf(response: Awaited<ReturnType<AuthTestEnv['call']>>): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

test("operators read their sign-ins, failed ones too, page by page; a tenant's OWNER may not", async () => {
  const failed = await env.call(
    OPERATOR_LOGIN,
    { e: OPERATOR.email, p: 'not the password!!' },
    { ip: '198.51.100.20', userAgent: 'trail-tests' },
  );
  expect(codeOf(failed)).toBe('UNAUTHENTICATED');
  const signedIn = await env.call(
    OPERATOR_LOGIN,
    { e: OPERATOR.email, p: OPERATOR.password },
    { ip: '198.51.100.21', userAgent: 'trail-tests' },
  );
  expect(signedIn.body.errors).toBeUndefined();
  const { accessToken: token, operator } = signedIn.body.data.operatorLogin;

  const all: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await env.call(TRAIL, { operatorId: operator.id, first: 1, after }, { token });
    expect(response.body.errors).toBeUndefined();
    const page: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
      response.body.data.operatorSignInEvents;
    expect(page.edges.length).toBeLessThanOrEqual(1);
    all.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(new Set(all.map((node) => node.id)).size).toBe(all.length);
  // Newest first: the sign-in, then the failed attempt before it.
  expect(all.slice(0, 2)).toEqual([
    expect.objectContaining({
      type: 'LOGIN_SUCCEEDED',
      actorId: operator.id,
      subjectId: operator.id,
      ipAddress: '198.51.100.21',
      userAgent: 'trail-tests',
    }),
    expect.objectContaining({
      type: 'LOGIN_FAILED',
      subjectId: operator.id,
      ipAddress: '198.51.100.20',
      metadata: { reason: 'BAD_PASSWORD' },
    }),
  ]);
  const whole = await env.call(TRAIL, { operatorId: operator.id, first: 100 }, { token });
  expect(whole.body.data.operatorSignInEvents.edges.map((e: { node: Node }) => e.node)).toEqual(
    all,
  );
  expect(codeOf(await env.call(TRAIL, { operatorId: 'ops' }, { token }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await env.call(TRAIL, { after: 'nonsense' }, { token }))).toBe('BAD_USER_INPUT');

  // Not for tenant users, whatever their role; not for anonymous callers.
  const owner = { email: 'owner@trail.test', password: 'an owner password 2026' };
  const { tenant } = await env.tenants.provisioner.create({
    slug: 'trail-tenant',
    name: 'Trail',
    plan: 'FREE',
    owner: { ...owner, name: 'Owner' },
  });
  const login = await env.call(
    LOGIN,
    { input: { tenantSlug: tenant.slug, ...owner } },
    { ip: '198.51.100.22' },
  );
  expect(login.body.errors).toBeUndefined();
  const refused = await env.call(TRAIL, {}, { token: login.body.data.login.accessToken });
  expect(codeOf(refused)).toBe('FORBIDDEN');
  expect(refused.body.data).toBeNull();
  expect(codeOf(await env.call(TRAIL, {}))).toBe('UNAUTHENTICATED');
});

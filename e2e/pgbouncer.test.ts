/**
 * The whole stack through PgBouncer in transaction pooling mode (Debian's pgbouncer, started by
 * the test on loopback), with two server connections per login for five services: every
 * service's transactions, for every tenant, share those backends. Through the router only:
 * operator → two tenants → owners invited, signed in → Me, profile, sessions, revocation,
 * suspension; then both tenants' owners hammer the API at once and each sees only their own data.
 */
import { startPgBouncer, testConfig, type TestPgBouncer } from '@tradesage/shared/testing';
import {
  codes,
  DEVICES,
  graphql,
  inviteAndLogin,
  OPERATOR,
  operation,
  startStack,
  type SignedIn,
  type Stack,
} from './support/stack';

let bouncer: TestPgBouncer;
let stack: Stack;
let operatorToken: string;
const owners: Record<'a' | 'b', SignedIn & { email: string; slug: string; tenantId: string }> =
  {} as never;

beforeAll(async () => {
  const admin = new URL(
    process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  bouncer = await startPgBouncer({
    upstream: { host: admin.hostname, port: Number(admin.port || 5432) },
    users: ['postgres', testConfig().TENANT_DB_USER],
    poolMode: 'transaction',
    poolSize: 2,
  });
  stack = await startStack('e2e_pgbouncer', { pgBouncer: bouncer });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await bouncer?.close();
});

test('operator creates two tenants whose owners accept their invitations and sign in', async () => {
  const signedIn = await graphql(stack.routerUrl, operation('OperatorLogin'), undefined, OPERATOR);
  expect(codes(signedIn)).toEqual([]);
  operatorToken = signedIn.body.data.operatorLogin.accessToken;
  for (const key of ['a', 'b'] as const) {
    const slug = `bounce-${key}`;
    const email = `owner@${slug}.test`;
    // createTenant invites the owner; the invitation is accepted like any other.
    const created = await graphql(stack.routerUrl, operation('CreateTenant'), operatorToken, {
      input: { slug, name: `Bounce ${key}`, plan: 'PRO', owner: { email, name: `Owner ${key}` } },
    });
    expect(codes(created)).toEqual([]);
    const tenantId = created.body.data.createTenant.tenant.id;
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email));
    const token = new URL(mail.links[0]).searchParams.get('token');
    const password = `owner ${key} long password`;
    const accepted = await graphql(
      stack.routerUrl,
      'mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }',
      undefined,
      { t: token, p: password },
    );
    expect(accepted.body).toEqual({ data: { acceptInvitation: true } });
    const login = await graphql(stack.routerUrl, operation('Login'), undefined, {
      input: { tenantSlug: slug, email, password },
    });
    expect(codes(login)).toEqual([]);
    const { accessToken, refreshToken, user, session } = login.body.data.login;
    owners[key] = {
      token: accessToken,
      refreshToken,
      userId: user.id,
      sessionId: session.id,
      email,
      slug,
      tenantId,
    };
  }
});

test('each owner works in their tenant: Me, profile, preferences, an invited trader, sessions', async () => {
  const { a } = owners;
  const me = await graphql(stack.routerUrl, operation('Me'), a.token);
  expect(codes(me)).toEqual([]);
  expect(me.body.data.me).toMatchObject({ email: a.email, roles: ['OWNER'] });

  const profile = await graphql(stack.routerUrl, operation('UpdateProfile'), a.token, {
    input: { name: 'Ada Bouncer' },
  });
  expect(codes(profile)).toEqual([]);
  const preferences = await graphql(stack.routerUrl, operation('UpdatePreferences'), a.token, {
    input: { theme: 'dark', locale: 'de-DE' },
  });
  expect(codes(preferences)).toEqual([]);
  const after = await graphql(stack.routerUrl, operation('Me'), a.token);
  expect(after.body.data.me).toMatchObject({
    name: 'Ada Bouncer',
    preferences: { theme: 'dark', locale: 'de-DE' },
  });

  const trader = await inviteAndLogin(stack, a.slug, a.token, {
    email: 'trader@bounce-a.test',
    name: 'Trader',
    role: 'TRADER',
  });
  const users = await graphql(stack.routerUrl, operation('Users'), a.token, { first: 10 });
  expect(codes(users)).toEqual([]);
  expect(
    users.body.data.users.edges.map((edge: { node: { email: string } }) => edge.node.email).sort(),
  ).toEqual([a.email, 'trader@bounce-a.test']);

  // A second device for the owner, then the first revokes it: its token is refused.
  const phone = await graphql(
    stack.routerUrl,
    operation('Login'),
    undefined,
    { input: { tenantSlug: a.slug, email: a.email, password: 'owner a long password' } },
    DEVICES.phone,
  );
  const phoneToken = phone.body.data.login.accessToken;
  const sessions = await graphql(stack.routerUrl, operation('MySessions'), a.token);
  expect(codes(sessions)).toEqual([]);
  expect(sessions.body.data.mySessions.length).toBeGreaterThanOrEqual(2);
  const revoked = await graphql(stack.routerUrl, operation('RevokeSession'), a.token, {
    id: phone.body.data.login.session.id,
  });
  expect(codes(revoked)).toEqual([]);
  const refused = await graphql(stack.routerUrl, operation('Me'), phoneToken);
  expect(refused.status).toBe(401);
  // The trader's own view works too.
  const traderMe = await graphql(stack.routerUrl, operation('Me'), trader.token);
  expect(traderMe.body.data.me).toMatchObject({ email: 'trader@bounce-a.test', roles: ['TRADER'] });
});

test('both tenants at once, interleaved on the shared backends, each see only their own data', async () => {
  const calls = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? owners.a : owners.b));
  const answers = await Promise.all(
    calls.map((owner) => graphql(stack.routerUrl, operation('Users'), owner.token, { first: 10 })),
  );
  answers.forEach((answer, i) => {
    expect(codes(answer)).toEqual([]);
    const emails = answer.body.data.users.edges.map(
      (e: { node: { email: string } }) => e.node.email,
    );
    expect(emails).toContain(calls[i].email);
    expect(emails.every((email: string) => email.endsWith(`@${calls[i].slug}.test`))).toBe(true);
  });
  // PgBouncer carried them, on no more than its two backends per login.
  const pools = (await bouncer.show('POOLS')).filter((row) => row.database === stack.db.name);
  expect(pools.length).toBeGreaterThan(0);
  for (const row of pools)
    expect(Number(row.sv_active) + Number(row.sv_idle)).toBeLessThanOrEqual(2);
  const stats = (await bouncer.show('STATS')).find((row) => row.database === stack.db.name);
  expect(Number(stats?.total_xact_count)).toBeGreaterThan(100);
  // The connection budget: many client connections, few server connections (2 logins × 2).
  const ofStack = (rows: Record<string, unknown>[]) =>
    rows.filter((row) => row.database === stack.db.name).length;
  const clients = ofStack(await bouncer.show('CLIENTS'));
  const servers = ofStack(await bouncer.show('SERVERS'));
  console.log(
    `connections through PgBouncer: ${clients} client connections from the five services, ${servers} server connections to PostgreSQL`,
  );
  expect(servers).toBeLessThanOrEqual(4);
  expect(clients).toBeGreaterThan(servers);
});

test('suspending a tenant refuses its tokens; resuming lets it sign in again', async () => {
  const { b } = owners;
  const suspended = await graphql(stack.routerUrl, operation('SuspendTenant'), operatorToken, {
    id: b.tenantId,
    reason: 'pgbouncer journey',
  });
  expect(codes(suspended)).toEqual([]);
  const refused = await graphql(stack.routerUrl, operation('Me'), b.token);
  expect([refused.status, codes(refused)]).toEqual([403, ['TENANT_SUSPENDED']]);
  const resumed = await graphql(stack.routerUrl, operation('ResumeTenant'), operatorToken, {
    id: b.tenantId,
  });
  expect(codes(resumed)).toEqual([]);
  const login = await graphql(stack.routerUrl, operation('Login'), undefined, {
    input: { tenantSlug: b.slug, email: b.email, password: 'owner b long password' },
  });
  expect(codes(login)).toEqual([]);
  const me = await graphql(stack.routerUrl, operation('Me'), login.body.data.login.accessToken);
  expect(me.body.data.me).toMatchObject({ email: b.email });
});

/**
 * The stack started the way `npm start` starts it (control-plane migrations, four subgraphs and
 * the router as separate processes), then queried through the router like a client would.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { generate } from 'otplib';
import { SessionStore } from '@tradesage/shared';
import { createTestTenant, type TestTenant } from '@tradesage/shared/testing';
import {
  GOOGLE_REDIRECT_URI,
  graphql,
  OPERATOR,
  operation,
  sessionToken,
  startStack,
  statusOnceRevoked,
  type Stack,
} from './support/stack';

const GOOGLE_USER = { sub: 'g-1', email: 'rex@delta.test', email_verified: true, name: 'Rex' };
let stack: Stack;

interface Seeded {
  tenant: TestTenant;
  userId: string;
  sessionId: string;
  token: string;
}

async function seedUser(slug: string, email: string, name: string): Promise<Seeded> {
  // Provisioned the way the tenant service does it: schema, role, migrations, owner account and profile.
  const tenant = await createTestTenant(stack.admin, stack.config, slug, { email, name });
  const userId = tenant.owner.id;
  const { session } = await new SessionStore(stack.redis, stack.redisPrefix).create({
    tenantId: tenant.id,
    userId,
    device: { type: 'DESKTOP', name: 'Work laptop', os: 'Linux', browser: 'Firefox' },
    ipAddress: '203.0.113.7',
    ttlSeconds: 3600,
  });
  const sessionId = session.id;
  const token = await stack.signer.sign({
    sub: userId,
    tid: tenant.id,
    tslug: tenant.slug,
    roles: ['OWNER'],
    sid: sessionId,
  });
  return { tenant, userId, sessionId, token };
}

const routerUrl = () => stack.routerUrl;

beforeAll(async () => {
  stack = await startStack('e2e', { googleAccounts: [GOOGLE_USER] });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const ME = `query Me {
  me {
    id name avatarUrl
    email emailVerified roles
    tenant { id slug name plan status }
    sessions { id current device { type os browser name } ipAddress }
  }
}`;

describe('supergraph through the router', () => {
  let alpha: Seeded;
  let beta: Seeded;

  beforeAll(async () => {
    alpha = await seedUser('alpha-trading', 'ann@alpha.test', 'Ann Alpha');
    beta = await seedUser('beta-trading', 'bob@beta.test', 'Bob Beta');
  });

  test('one query reads fields from all four subgraphs', async () => {
    const { status, body } = await graphql(routerUrl(), ME, alpha.token);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.me).toEqual({
      id: alpha.userId,
      name: 'Ann Alpha', // user subgraph
      avatarUrl: null,
      email: 'ann@alpha.test', // auth subgraph
      emailVerified: false,
      roles: ['OWNER'],
      tenant: {
        id: alpha.tenant.id,
        slug: 'alpha-trading',
        name: 'Tenant alpha-trading',
        plan: 'FREE',
        status: 'ACTIVE',
      }, // tenant subgraph
      sessions: [
        // session subgraph (Redis)
        {
          id: alpha.sessionId,
          current: true,
          device: { type: 'DESKTOP', os: 'Linux', browser: 'Firefox', name: 'Work laptop' },
          ipAddress: '203.0.113.7',
        },
      ],
    });
  });

  test('each tenant sees only its own data', async () => {
    const { body } = await graphql(routerUrl(), ME, beta.token);
    expect(body.errors).toBeUndefined();
    expect(body.data.me.email).toBe('bob@beta.test');
    expect(body.data.me.tenant.slug).toBe('beta-trading');
    expect(body.data.me.sessions.map((s: { id: string }) => s.id)).toEqual([beta.sessionId]);
    expect(JSON.stringify(body)).not.toContain('alpha');
  });

  test("_entities with another tenant's ids, sent straight to each subgraph, returns nothing foreign", async () => {
    const auth = await graphql(
      `http://127.0.0.1:${stack.ports.auth}/graphql`,
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on User {
              id
              email
            }
          }
        }
      `,
      alpha.token,
      { reps: [{ __typename: 'User', id: beta.userId }] },
    );
    expect(auth.body.data._entities).toEqual([null]);
    const tenant = await graphql(
      `http://127.0.0.1:${stack.ports.tenant}/graphql`,
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on Tenant {
              id
              slug
            }
          }
        }
      `,
      alpha.token,
      { reps: [{ __typename: 'Tenant', id: beta.tenant.id }] },
    );
    expect(tenant.body.data._entities).toEqual([null]);
    const session = await graphql(
      `http://127.0.0.1:${stack.ports.session}/graphql`,
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on User {
              sessions {
                id
              }
            }
          }
        }
      `,
      alpha.token,
      { reps: [{ __typename: 'User', id: beta.userId }] },
    );
    // An OWNER may read users' sessions, but only in the token's tenant: beta's live session
    // is not there.
    expect(session.body).toEqual({ data: { _entities: [{ sessions: [] }] } });
    const user = await graphql(
      `http://127.0.0.1:${stack.ports.user}/graphql`,
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on User {
              id
              name
            }
          }
        }
      `,
      alpha.token,
      {
        reps: [
          { __typename: 'User', id: beta.userId },
          { __typename: 'User', id: "x' OR 1=1 --" },
        ],
      },
    );
    expect(user.body).toEqual({ data: { _entities: [null, null] } });
    const leaked = JSON.stringify([auth.body, tenant.body, session.body, user.body]);
    expect(leaked).not.toContain('bob@beta.test');
    expect(leaked).not.toContain('Bob Beta');
    expect(leaked).not.toContain('beta-trading');
  });

  test('anonymous callers get UNAUTHENTICATED; a bad token is refused with HTTP 401', async () => {
    const anonymous = await graphql(routerUrl(), ME);
    expect(anonymous.body.data.me).toBeNull();
    expect(anonymous.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);

    const forged = `${alpha.token.slice(0, -4)}AAAA`;
    const refused = await graphql(routerUrl(), ME, forged);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test('every service exposes health, readiness and Prometheus metrics', async () => {
    for (const port of Object.values(stack.ports)) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('graphql_requests_total');
      expect(metrics).toContain('process_cpu_user_seconds_total');
      // Prometheus's own linter finds nothing (Debian's prometheus package; .ci/run installs it).
      const lint = spawnSync('promtool', ['check', 'metrics'], {
        input: metrics,
        encoding: 'utf8',
      });
      expect([port, lint.error?.message, lint.status, lint.stdout + lint.stderr]).toEqual([
        port,
        undefined,
        0,
        '',
      ]);
    }
    // The router publishes the keys it verifies with.
    const jwks = await fetch(`http://127.0.0.1:${stack.ports.router}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const served = (await jwks.json()) as { keys: Record<string, unknown>[] };
    const { kid, x } = JSON.parse(stack.signer.jwks).keys[0];
    expect(served.keys).toEqual([expect.objectContaining({ kid, x, kty: 'OKP' })]);
    const routerMetrics = await (
      await fetch(`http://127.0.0.1:${stack.ports.router}/metrics`)
    ).text();
    expect(routerMetrics).toMatch(
      /graphql_requests_total\{[^}]*operation="Me"[^}]*outcome="success"[^}]*\} [1-9]/,
    );
    // Requests by tenant, and errors by the code clients saw (the anonymous Me above).
    expect(routerMetrics).toMatch(
      new RegExp(
        `graphql_tenant_requests_total\\{[^}]*tenant="${alpha.tenant.slug}"[^}]*\\} [1-9]`,
      ),
    );
    expect(routerMetrics).toMatch(/graphql_errors_total\{[^}]*code="UNAUTHENTICATED"[^}]*\} [1-9]/);
    // Live sessions, read from the session store when scraped: at least alpha's and beta's.
    const sessionMetrics = await (
      await fetch(`http://127.0.0.1:${stack.ports.session}/metrics`)
    ).text();
    const active = /^sessions_active\{[^}]*\} (\d+)$/m.exec(sessionMetrics);
    expect(Number(active?.[1])).toBeGreaterThanOrEqual(2);
  });
});

describe('tenant operations of the React app contract, through the router', () => {
  let operatorToken: string;
  let ownerToken: string;
  let tenantId: string;

  beforeAll(async () => {
    operatorToken = await sessionToken(stack, {
      sub: randomUUID(),
      roles: ['PLATFORM_OPERATOR'],
    });
  });

  test('CreateTenant: an operator provisions a tenant; others are refused', async () => {
    const input = {
      slug: 'gamma-markets',
      name: 'Gamma Markets',
      plan: 'PRO',
      owner: { email: 'Gina@Gamma.test', name: 'Gina Gamma' },
    };
    const { body } = await graphql(routerUrl(), operation('CreateTenant'), operatorToken, {
      input,
    });
    expect(body.errors).toBeUndefined();
    const { tenant, owner } = body.data.createTenant;
    expect(tenant).toMatchObject({
      slug: 'gamma-markets',
      name: 'Gamma Markets',
      status: 'ACTIVE',
      plan: 'PRO',
      limits: { maxUsers: 100, maxSessionsPerUser: 10, requestsPerMinute: 3000, storageMb: 10000 },
    });
    expect(tenant.provisioningMs).toBeGreaterThan(0);
    const tenantMetrics = await (
      await fetch(`http://127.0.0.1:${stack.ports.tenant}/metrics`)
    ).text();
    expect(tenantMetrics).toMatch(
      /tenant_provisioning_duration_seconds_count\{[^}]*outcome="success"[^}]*\} [1-9]/,
    );
    expect(owner).toEqual({ id: expect.any(String), email: 'gina@gamma.test', roles: ['OWNER'] });
    tenantId = tenant.id;
    ownerToken = await sessionToken(stack, {
      sub: owner.id,
      tid: tenant.id,
      tslug: tenant.slug,
      roles: ['OWNER'],
    });

    const asOwner = await graphql(routerUrl(), operation('CreateTenant'), ownerToken, {
      input: { ...input, slug: 'x-owner' },
    });
    expect(asOwner.body.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
    const anonymous = await graphql(routerUrl(), operation('CreateTenant'), undefined, {
      input: { ...input, slug: 'x-anon' },
    });
    expect(anonymous.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    const duplicate = await graphql(routerUrl(), operation('CreateTenant'), operatorToken, {
      input,
    });
    expect(duplicate.body.errors.map((e: any) => e.extensions.code)).toEqual(['CONFLICT']);
    const badSlug = await graphql(routerUrl(), operation('CreateTenant'), operatorToken, {
      input: { ...input, slug: "Robert'); DROP TABLE tenants;--" },
    });
    expect(badSlug.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  test('CurrentTenant and Tenant: members see their own tenant, with usage from three subgraphs', async () => {
    const current = await graphql(routerUrl(), operation('CurrentTenant'), ownerToken);
    expect(current.body.errors).toBeUndefined();
    expect(current.body.data.currentTenant).toMatchObject({
      id: tenantId,
      slug: 'gamma-markets',
      limits: { maxUsers: 100, requestsPerMinute: 3000 },
      // The owner's own session, the one its token belongs to.
      usage: { users: 1, activeSessions: 1 },
    });
    const own = await graphql(routerUrl(), operation('Tenant'), ownerToken, {
      slug: 'gamma-markets',
    });
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data.tenant.health).toMatchObject({
      status: 'HEALTHY',
      schemaVersion: expect.any(String),
    });
    expect(own.body.data.tenant.usage.storageBytes).toBeGreaterThan(0);
    expect(own.body.data.tenant.backups).toEqual([]);
    const foreign = await graphql(routerUrl(), operation('Tenant'), ownerToken, {
      slug: 'alpha-trading',
    });
    expect(foreign.body.data).toEqual({ tenant: null });
    expect(foreign.body.errors.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    // A TRADER of the tenant sees it, but not its health or backups (OWNER and ADMIN only).
    const traderToken = await sessionToken(stack, {
      sub: randomUUID(),
      tid: tenantId,
      tslug: 'gamma-markets',
      roles: ['TRADER'],
    });
    const asTrader = await graphql(routerUrl(), operation('Tenant'), traderToken, {
      slug: 'gamma-markets',
    });
    expect(
      Object.fromEntries(
        asTrader.body.errors.map((e: any) => [e.path.join('.'), e.extensions.code]),
      ),
    ).toEqual({ 'tenant.health': 'FORBIDDEN', 'tenant.backups': 'FORBIDDEN' });
    expect(asTrader.body.data.tenant).toMatchObject({
      slug: 'gamma-markets',
      health: null,
      backups: null,
    });
    const asOperator = await graphql(routerUrl(), operation('Tenant'), operatorToken, {
      slug: 'alpha-trading',
    });
    expect(asOperator.body.data.tenant.usage.users).toBe(1);
  });

  test('Tenants: operators page through every tenant', async () => {
    const first = await graphql(routerUrl(), operation('Tenants'), operatorToken, { first: 2 });
    expect(first.body.errors).toBeUndefined();
    const page = first.body.data.tenants;
    expect(page.totalCount).toBe(3);
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const second = await graphql(routerUrl(), operation('Tenants'), operatorToken, {
      first: 2,
      after: page.pageInfo.endCursor,
    });
    const slugs = [...page.edges, ...second.body.data.tenants.edges].map((e: any) => e.node.slug);
    expect(slugs).toEqual(['alpha-trading', 'beta-trading', 'gamma-markets']);
    const asOwner = await graphql(routerUrl(), operation('Tenants'), ownerToken, {});
    expect(asOwner.body.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  test('SuspendTenant blocks a live token at once and ends its session; ResumeTenant lets new sessions in; DeleteTenant ends them', async () => {
    const suspend = await graphql(routerUrl(), operation('SuspendTenant'), operatorToken, {
      id: tenantId,
      reason: 'compliance review',
    });
    expect(suspend.body.data.suspendTenant).toEqual({ id: tenantId, status: 'SUSPENDED' });
    const blocked = await graphql(routerUrl(), operation('CurrentTenant'), ownerToken);
    expect(blocked.status).toBe(403);
    expect(blocked.body.errors.map((e: any) => e.extensions.code)).toEqual(['TENANT_SUSPENDED']);
    // Straight to a subgraph too: every service checks.
    const direct = await graphql(
      `http://127.0.0.1:${stack.ports.tenant}/graphql`,
      '{ currentTenant { id } }',
      ownerToken,
    );
    expect(direct.body.errors.map((e: any) => e.extensions.code)).toEqual(['TENANT_SUSPENDED']);

    const again = await graphql(routerUrl(), operation('SuspendTenant'), operatorToken, {
      id: tenantId,
      reason: 'x',
    });
    expect(again.body.errors.map((e: any) => e.extensions.code)).toEqual(['CONFLICT']);

    const resume = await graphql(routerUrl(), operation('ResumeTenant'), operatorToken, {
      id: tenantId,
    });
    expect(resume.body.data.resumeTenant.status).toBe('ACTIVE');
    // The suspension ended every session of the tenant: the old token stays refused.
    const ended = await graphql(routerUrl(), operation('CurrentTenant'), ownerToken);
    expect(ended.status).toBe(401);
    expect(ended.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    const claims = JSON.parse(Buffer.from(ownerToken.split('.')[1], 'base64url').toString());
    ownerToken = await sessionToken(stack, {
      sub: claims.sub,
      tid: claims.tid,
      tslug: claims.tslug,
      roles: claims.roles,
    });
    const works = await graphql(routerUrl(), operation('CurrentTenant'), ownerToken);
    expect(works.body.data.currentTenant.id).toBe(tenantId);

    const limits = await graphql(routerUrl(), operation('UpdateTenantLimits'), operatorToken, {
      id: tenantId,
      input: { maxUsers: 7 },
    });
    expect(limits.body.data.updateTenantLimits.limits.maxUsers).toBe(7);

    const removed = await graphql(routerUrl(), operation('DeleteTenant'), operatorToken, {
      id: tenantId,
    });
    expect(removed.body.data.deleteTenant.status).toBe('DELETED');
    const dead = await graphql(routerUrl(), operation('CurrentTenant'), ownerToken);
    expect(dead.status).toBe(401);
    expect(dead.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    // The operators' list still answers, the deleted tenant in it with no users.
    const listed = await graphql(routerUrl(), operation('Tenants'), operatorToken, { first: 100 });
    expect(listed.body.errors).toBeUndefined();
    const entry = listed.body.data.tenants.edges.find((e: any) => e.node.id === tenantId);
    expect(entry?.node.status).toBe('DELETED');
  });
});

describe('sign-in operations of the React app contract, through the router', () => {
  test('OperatorLogin, CreateTenant, then Login resolves the new user across all four subgraphs', async () => {
    const operator = await graphql(routerUrl(), operation('OperatorLogin'), undefined, OPERATOR);
    expect(operator.body.errors).toBeUndefined();
    expect(operator.body.data.operatorLogin.operator.email).toBe(OPERATOR.email);
    const created = await graphql(
      routerUrl(),
      operation('CreateTenant'),
      operator.body.data.operatorLogin.accessToken,
      {
        input: {
          slug: 'delta-desk',
          name: 'Delta Desk',
          plan: 'FREE',
          owner: { email: 'dora@delta.test', name: 'Dora Delta', password: 'doras long password' },
        },
      },
    );
    expect(created.body.errors).toBeUndefined();
    const tenant = created.body.data.createTenant.tenant;

    const login = await graphql(routerUrl(), operation('Login'), undefined, {
      input: {
        tenantSlug: 'delta-desk',
        email: 'dora@delta.test',
        password: 'doras long password',
        deviceName: 'Desk PC',
      },
    });
    expect(login.body.errors).toBeUndefined();
    const { user, session, accessToken, refreshToken } = login.body.data.login;
    // The caller was anonymous: the token issued by this very operation authorised the user,
    // tenant and session subgraphs' parts of the answer.
    expect(user).toMatchObject({
      email: 'dora@delta.test',
      name: 'Dora Delta',
      roles: ['OWNER'],
      tenant: { id: tenant.id, slug: 'delta-desk', name: 'Delta Desk' },
    });
    expect(user.permissions).toContain('users:invite');
    expect(session).toMatchObject({ current: true, device: { name: 'Desk PC' } });

    const me = await graphql(routerUrl(), ME, accessToken);
    expect(me.body.data.me.sessions).toEqual([
      expect.objectContaining({ id: session.id, current: true }),
    ]);
    const refreshed = await graphql(routerUrl(), operation('RefreshSession'), undefined, {
      refreshToken,
    });
    expect(refreshed.body.errors).toBeUndefined();
    const logout = await graphql(
      routerUrl(),
      operation('Logout'),
      refreshed.body.data.refreshSession.accessToken,
    );
    expect(logout.body.data).toEqual({ logout: true });
    // The logged-out session's access token is refused by the router (HTTP 401), not only its
    // refresh token.
    expect(
      await statusOnceRevoked(routerUrl(), refreshed.body.data.refreshSession.accessToken),
    ).toBe(401);
    const dead = await graphql(routerUrl(), operation('RefreshSession'), undefined, {
      refreshToken: refreshed.body.data.refreshSession.refreshToken,
    });
    expect(dead.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  test('Register, VerifyEmail, password and TOTP operations, and Google sign-in, exactly as the app sends them', async () => {
    const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
    // Self-registration is the tenant's setting: its OWNER (or an operator) turns it on, and
    // every replica's directory cache hears of it at once.
    const dora = await graphql(routerUrl(), operation('Login'), undefined, {
      input: {
        tenantSlug: 'delta-desk',
        email: 'dora@delta.test',
        password: 'doras long password',
      },
    });
    const settings = `mutation S($id: ID!, $on: Boolean) {
      updateTenantSettings(id: $id, input: { selfRegistration: $on }) { id selfRegistration }
    }`;
    const deltaId = dora.body.data.login.user.tenant.id;
    const doraToken = dora.body.data.login.accessToken;
    const foreign = await graphql(routerUrl(), settings, doraToken, { id: randomUUID(), on: true });
    expect(foreign.body.errors.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    const opened = await graphql(routerUrl(), settings, doraToken, { id: deltaId, on: true });
    expect(opened.body.data.updateTenantSettings).toEqual({ id: deltaId, selfRegistration: true });
    const registered = await graphql(routerUrl(), operation('Register'), undefined, {
      input: {
        tenantSlug: 'delta-desk',
        email: 'rex@delta.test',
        password: 'rexs long password',
        name: 'Rex Register',
      },
    });
    expect(registered.body.errors).toBeUndefined();
    // The name is the user subgraph's field, provided here by the auth subgraph.
    expect(registered.body.data.register.user).toMatchObject({
      email: 'rex@delta.test',
      name: 'Rex Register',
      emailVerified: false,
      roles: ['TRADER'],
    });
    const verification = await stack.smtp.waitFor((m) => m.to.includes('rex@delta.test'));
    const verified = await graphql(routerUrl(), operation('VerifyEmail'), undefined, {
      token: tokenOf(verification.links[0]),
    });
    expect(verified.body.data).toEqual({ verifyEmail: true });

    // Google sign-in links the verified address.
    const started = await graphql(routerUrl(), operation('StartGoogleLogin'), undefined, {
      tenantSlug: 'delta-desk',
      redirectUri: GOOGLE_REDIRECT_URI,
    });
    const callback = await stack.google.authorize(
      started.body.data.startGoogleLogin.authorizationUrl,
      GOOGLE_USER.sub,
    );
    const googled = await graphql(routerUrl(), operation('CompleteGoogleLogin'), undefined, {
      code: callback.searchParams.get('code'),
      state: callback.searchParams.get('state'),
    });
    expect(googled.body.errors).toBeUndefined();
    expect(googled.body.data.completeGoogleLogin.user.email).toBe('rex@delta.test');

    const login = async (password: string, totpCode?: string) =>
      graphql(routerUrl(), operation('Login'), undefined, {
        input: { tenantSlug: 'delta-desk', email: 'rex@delta.test', password, totpCode },
      });
    const first = await login('rexs long password');
    expect(first.body.data.login.user).toMatchObject({ name: 'Rex Register', roles: ['TRADER'] });
    const token = first.body.data.login.accessToken;
    const asTrader = await graphql(routerUrl(), settings, token, { id: deltaId, on: false });
    expect(asTrader.body.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);

    const changed = await graphql(routerUrl(), operation('ChangePassword'), token, {
      currentPassword: 'rexs long password',
      newPassword: 'rexs second password',
    });
    expect(changed.body.data).toEqual({ changePassword: true });
    const reset = await graphql(routerUrl(), operation('RequestPasswordReset'), undefined, {
      tenantSlug: 'delta-desk',
      email: 'rex@delta.test',
    });
    expect(reset.body.data).toEqual({ requestPasswordReset: true });
    const resetMail = await stack.smtp.waitFor(
      (m) => m.to.includes('rex@delta.test') && /Reset/.test(m.subject),
    );
    const done = await graphql(routerUrl(), operation('ResetPassword'), undefined, {
      token: tokenOf(resetMail.links[0]),
      newPassword: 'rexs third password',
    });
    expect(done.body.data).toEqual({ resetPassword: true });

    const fresh = (await login('rexs third password')).body.data.login.accessToken;
    const enrolled = await graphql(routerUrl(), operation('EnrollTotp'), fresh);
    const { secret } = enrolled.body.data.enrollTotp;
    const confirmed = await graphql(routerUrl(), operation('ConfirmTotp'), fresh, {
      code: await generate({ secret }),
    });
    const [recovery] = confirmed.body.data.confirmTotp.recoveryCodes;
    expect((await login('rexs third password')).body.errors[0].extensions.code).toBe(
      'MFA_REQUIRED',
    );
    expect((await login('rexs third password', recovery)).body.errors).toBeUndefined();
  });
});

describe('shutdown', () => {
  test('Ctrl-C (SIGINT) stops the router and all four subgraphs cleanly', async () => {
    const exited = new Promise<number | null>((resolve) =>
      stack.process.once('exit', (code) => resolve(code)),
    );
    stack.process.kill('SIGINT');
    expect(await exited).toBe(0);
    // Each drained and closed its pools before exiting, rather than being killed.
    for (const name of [
      'router',
      'auth subgraph',
      'tenant subgraph',
      'user subgraph',
      'session subgraph',
    ])
      expect(stack.output()).toContain(`${name} stopped`);
    for (const port of Object.values(stack.ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });
});

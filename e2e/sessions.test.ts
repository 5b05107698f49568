/**
 * The session service through the router: the React app's MySessions, RevokeSession,
 * RevokeOtherSessions and SessionAnalytics, sign-ins from several devices, and the tenant's
 * per-user session limit.
 */
import {
  codes,
  graphql,
  inviteAndLogin,
  login,
  OPERATOR,
  operation,
  startStack,
  statusOnceRevoked,
  DEVICES,
  type SignedIn,
  type Stack,
} from './support/stack';

let stack: Stack;
let operatorToken: string;
let tenantId: string;
const SLUG = 'sigma-desk';
const OWNER = { email: 'sam@sigma.test', password: 'sams long password', name: 'Sam Sigma' };

const call = (name: string, token?: string, variables?: Record<string, unknown>) =>
  graphql(stack.routerUrl, operation(name), token, variables);

const ownerOn = (device: keyof typeof DEVICES, deviceName?: string) =>
  login(
    stack,
    { tenantSlug: SLUG, email: OWNER.email, password: OWNER.password, deviceName },
    DEVICES[device],
  );

beforeAll(async () => {
  stack = await startStack('e2e_sessions');
  const op = await call('OperatorLogin', undefined, OPERATOR);
  operatorToken = op.body.data.operatorLogin.accessToken;
  const created = await call('CreateTenant', operatorToken, {
    input: { slug: SLUG, name: 'Sigma Desk', plan: 'PRO', owner: OWNER },
  });
  tenantId = created.body.data.createTenant.tenant.id;
}, 120_000);
afterAll(() => stack?.close());

const works = async (token: string) =>
  (await graphql(stack.routerUrl, '{ me { id } }', token)).status;

describe('sessions of one user on several devices', () => {
  let laptop: SignedIn;
  let phone: SignedIn;
  let tablet: SignedIn;

  test('three sign-ins are listed with their devices and addresses; `current` marks the caller', async () => {
    laptop = await ownerOn('laptop', 'Work laptop');
    phone = await ownerOn('phone');
    tablet = await ownerOn('tablet');
    const listed = await call('MySessions', phone.token);
    expect(listed.body.errors).toBeUndefined();
    const sessions = listed.body.data.mySessions as any[];
    expect(sessions.map((session) => session.id).sort()).toEqual(
      [laptop.sessionId, phone.sessionId, tablet.sessionId].sort(),
    );
    const byId = new Map(sessions.map((session) => [session.id, session]));
    expect(byId.get(laptop.sessionId)).toMatchObject({
      current: false,
      status: 'ACTIVE',
      device: { type: 'DESKTOP', os: 'Windows 10', browser: 'Chrome 120', name: 'Work laptop' },
      ipAddress: '203.0.113.10',
    });
    expect(byId.get(phone.sessionId)).toMatchObject({
      current: true,
      device: { type: 'MOBILE', os: 'iOS 17', browser: 'Mobile Safari 17', name: null },
      ipAddress: '203.0.113.20',
    });
    expect(byId.get(tablet.sessionId)).toMatchObject({
      current: false,
      device: { type: 'TABLET', os: 'iOS 17' },
      ipAddress: '203.0.113.30',
    });
    for (const session of sessions) {
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.parse(session.createdAt));
      expect(Date.parse(session.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }
    // The same list through the user entity (Me { sessions }).
    const me = await call('Me', laptop.token);
    expect(me.body.data.me.sessions.map((s: any) => s.id).sort()).toEqual(
      sessions.map((s) => s.id).sort(),
    );
  });

  test('RevokeSession: that token is refused everywhere, its refresh token is dead, the other two work', async () => {
    const revoked = await call('RevokeSession', laptop.token, { id: phone.sessionId });
    expect(revoked.body).toEqual({
      data: { revokeSession: { id: phone.sessionId, status: 'REVOKED' } },
    });
    expect(await statusOnceRevoked(stack.routerUrl, phone.token)).toBe(401);
    // Every subgraph refuses it too, not only the router.
    for (const service of ['auth', 'tenant', 'user', 'session'] as const) {
      const direct = await graphql(
        `http://127.0.0.1:${stack.ports[service]}/graphql`,
        '{ __typename }',
        phone.token,
      );
      expect([service, direct.status]).toEqual([service, 401]);
    }
    const refreshed = await call('RefreshSession', undefined, { refreshToken: phone.refreshToken });
    expect(codes(refreshed)).toEqual(['UNAUTHENTICATED']);
    expect(await works(laptop.token)).toBe(200);
    expect(await works(tablet.token)).toBe(200);
    const left = await call('MySessions', tablet.token);
    expect(left.body.data.mySessions.map((s: any) => s.id).sort()).toEqual(
      [laptop.sessionId, tablet.sessionId].sort(),
    );
  });

  test('RevokeSession of a session that is gone, or not a UUID, is NOT_FOUND', async () => {
    for (const id of [phone.sessionId, '00000000-0000-4000-8000-000000000000', 'nope']) {
      const result = await call('RevokeSession', laptop.token, { id });
      expect([id, codes(result)]).toEqual([id, ['NOT_FOUND']]);
    }
  });

  test('RevokeOtherSessions ends every other session of the caller and keeps the current one', async () => {
    const again = await ownerOn('phone');
    const result = await call('RevokeOtherSessions', tablet.token);
    expect(result.body).toEqual({ data: { revokeOtherSessions: true } });
    expect(await statusOnceRevoked(stack.routerUrl, laptop.token)).toBe(401);
    expect(await statusOnceRevoked(stack.routerUrl, again.token)).toBe(401);
    expect(await works(tablet.token)).toBe(200);
    const left = await call('MySessions', tablet.token);
    expect(left.body.data.mySessions).toEqual([
      expect.objectContaining({ id: tablet.sessionId, current: true }),
    ]);
  });
});

describe('who may revoke what, and see what', () => {
  test("a member's attempt on a colleague's session is NOT_FOUND; OWNER may end any session of the tenant", async () => {
    const owner = await ownerOn('laptop');
    const trader = await inviteAndLogin(stack, SLUG, owner.token, {
      email: 'tia@sigma.test',
      name: 'Tia',
      role: 'TRADER',
    });
    // OWNER sees the trader's sessions through the user list (sessions:read:any).
    const listed = await graphql(
      stack.routerUrl,
      '{ users(first: 50) { edges { node { id sessions { id } } } } }',
      owner.token,
    );
    expect(listed.body.errors).toBeUndefined();
    const traderNode = listed.body.data.users.edges.find((e: any) => e.node.id === trader.userId);
    expect(traderNode.node.sessions).toEqual([{ id: trader.sessionId }]);
    const attempt = await call('RevokeSession', trader.token, { id: owner.sessionId });
    expect(codes(attempt)).toEqual(['NOT_FOUND']);
    expect(await works(owner.token)).toBe(200);

    const analytics = await call('SessionAnalytics', trader.token);
    expect(codes(analytics)).toEqual(['FORBIDDEN']);

    const ended = await call('RevokeSession', owner.token, { id: trader.sessionId });
    expect(ended.body.data.revokeSession).toEqual({ id: trader.sessionId, status: 'REVOKED' });
    expect(await statusOnceRevoked(stack.routerUrl, trader.token)).toBe(401);
  });

  test('anonymous callers get nothing', async () => {
    for (const name of ['MySessions', 'SessionAnalytics', 'RevokeOtherSessions']) {
      const result = await call(name);
      expect([name, codes(result)]).toEqual([name, ['UNAUTHENTICATED']]);
    }
  });
});

describe("the tenant's maxSessionsPerUser", () => {
  test('at the limit, a new sign-in ends the oldest session (evict-oldest, the default)', async () => {
    const limits = await call('UpdateTenantLimits', operatorToken, {
      id: tenantId,
      input: { maxSessionsPerUser: 2 },
    });
    expect(limits.body.data.updateTenantLimits.limits.maxSessionsPerUser).toBe(2);
    // Start from none: the user's earlier sessions end with a password reset-free revocation.
    const first = await ownerOn('laptop');
    await call('RevokeOtherSessions', first.token);
    const second = await ownerOn('phone');
    const third = await ownerOn('tablet');
    expect(await statusOnceRevoked(stack.routerUrl, first.token)).toBe(401);
    expect(await works(second.token)).toBe(200);
    expect(await works(third.token)).toBe(200);
    const listed = await call('MySessions', third.token);
    expect(listed.body.data.mySessions.map((s: any) => s.id).sort()).toEqual(
      [second.sessionId, third.sessionId].sort(),
    );
    await call('UpdateTenantLimits', operatorToken, {
      id: tenantId,
      input: { maxSessionsPerUser: 10 },
    });
  });
});

describe('SessionAnalytics', () => {
  test('the numbers after a scripted set of sign-ins, for OWNER and ANALYST', async () => {
    // A tenant of its own, so that every number is known.
    const created = await call('CreateTenant', operatorToken, {
      input: {
        slug: 'tau-desk',
        name: 'Tau Desk',
        plan: 'PRO',
        owner: { email: 'tara@tau.test', password: 'taras long password', name: 'Tara' },
      },
    });
    expect(created.body.errors).toBeUndefined();
    const tara = (device: keyof typeof DEVICES) =>
      login(
        stack,
        { tenantSlug: 'tau-desk', email: 'tara@tau.test', password: 'taras long password' },
        DEVICES[device],
      );
    const desk = await tara('laptop');
    await tara('laptop');
    const phone = await tara('phone');
    // fetch's own User-Agent names no browser: an OTHER device.
    const analyst = await inviteAndLogin(stack, 'tau-desk', desk.token, {
      email: 'ana@tau.test',
      name: 'Ana',
      role: 'ANALYST',
    });
    await call('RevokeSession', desk.token, { id: phone.sessionId });

    const expected = {
      activeSessions: 3,
      activeUsers: 2,
      loginsLast24h: 4,
      byDeviceType: [
        { key: 'DESKTOP', count: 2 },
        { key: 'MOBILE', count: 0 },
        { key: 'TABLET', count: 0 },
        { key: 'OTHER', count: 1 },
      ],
    };
    for (const token of [desk.token, analyst.token]) {
      const result = await call('SessionAnalytics', token);
      expect(result.body).toEqual({ data: { sessionAnalytics: expected } });
    }
    const peaks = await graphql(
      stack.routerUrl,
      '{ sessionAnalytics { dailyPeaks(days: 2) { date sessions } } }',
      analyst.token,
    );
    // One day's entry, or two if the sign-ins straddled midnight UTC; the peak was 4 at once.
    const daily = peaks.body.data.sessionAnalytics.dailyPeaks as {
      date: string;
      sessions: number;
    }[];
    expect(daily.length).toBeGreaterThan(0);
    expect(Math.max(...daily.map((day) => day.sessions))).toBe(4);
    for (const day of daily) expect(day.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const bad = await graphql(
      stack.routerUrl,
      '{ sessionAnalytics { dailyPeaks(days: 0) { date } } }',
      analyst.token,
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });
});

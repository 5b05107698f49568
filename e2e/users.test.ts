/**
 * The user service and role management through the router: the React app's Me, UpdateProfile,
 * UpdatePreferences, MyActivity, Users, InviteUser, AssignRole, RevokeRole and DisableUser,
 * each by a role allowed to call it and by one that is not.
 */
import { settled } from '@tradesage/shared/testing';
import {
  codes,
  graphql,
  inviteAndLogin as inviteAndSignIn,
  login as signIn,
  OPERATOR,
  operation,
  startStack,
  statusOnceRevoked,
  type SignedIn,
  type Stack,
} from './support/stack';

let stack: Stack;
let tenantId: string;
let operatorToken: string;
const OWNER = { email: 'olga@omega.test', password: 'olgas long password', name: 'Olga Owner' };

const call = (name: string, token?: string, variables?: Record<string, unknown>) =>
  graphql(stack.routerUrl, operation(name), token, variables);

const login = (email: string, password: string) =>
  signIn(stack, { tenantSlug: 'omega-desk', email, password });

const inviteAndLogin = (by: string, email: string, name: string, role: string) =>
  inviteAndSignIn(stack, 'omega-desk', by, { email, name, role });

let owner: SignedIn;
let admin: SignedIn;
let viewer: SignedIn;
let trader: SignedIn;

beforeAll(async () => {
  stack = await startStack('e2e_users');
  const op = await call('OperatorLogin', undefined, OPERATOR);
  operatorToken = op.body.data.operatorLogin.accessToken;
  const created = await call('CreateTenant', operatorToken, {
    input: { slug: 'omega-desk', name: 'Omega Desk', plan: 'PRO', owner: OWNER },
  });
  tenantId = created.body.data.createTenant.tenant.id;
  owner = await login(OWNER.email, OWNER.password);
  admin = await inviteAndLogin(owner.token, 'adam@omega.test', 'Adam', 'ADMIN');
  viewer = await inviteAndLogin(owner.token, 'vera@omega.test', 'Vera', 'VIEWER');
  trader = await inviteAndLogin(admin.token, 'tom@omega.test', 'Tom', 'TRADER');
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('profile, preferences and activity', () => {
  test('Me returns the user, tenant and session subgraphs in one request, with default preferences', async () => {
    const me = await call('Me', trader.token);
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data.me).toMatchObject({
      id: trader.userId,
      email: 'tom@omega.test',
      name: 'Tom',
      roles: ['TRADER'],
      emailVerified: true,
      preferences: {
        theme: 'system',
        locale: 'en-US',
        timezone: 'UTC',
        notifications: { email: true, push: false },
      },
      tenant: {
        id: tenantId,
        slug: 'omega-desk',
        name: 'Omega Desk',
        plan: 'PRO',
        status: 'ACTIVE',
      },
      sessions: [expect.objectContaining({ current: true })],
    });
    expect(me.body.data.me.permissions).toEqual(
      expect.arrayContaining(['trading:write', 'profile:write:own']),
    );
    expect(me.body.data.me.permissions).not.toContain('users:read');
  });

  test('UpdateProfile validates the name and avatar URL', async () => {
    const updated = await call('UpdateProfile', trader.token, {
      input: { name: '  Tom Trader ', avatarUrl: 'https://cdn.example/tom.png' },
    });
    expect(updated.body.data.updateProfile).toEqual({
      id: trader.userId,
      name: 'Tom Trader',
      avatarUrl: 'https://cdn.example/tom.png',
    });
    for (const input of [
      { avatarUrl: 'http://cdn.example/tom.png' },
      { avatarUrl: 'javascript:alert(1)' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
    ]) {
      const refused = await call('UpdateProfile', trader.token, { input });
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    }
    expect(codes(await call('UpdateProfile', undefined, { input: { name: 'x' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const removed = await call('UpdateProfile', trader.token, { input: { avatarUrl: null } });
    expect(removed.body.data.updateProfile).toMatchObject({ name: 'Tom Trader', avatarUrl: null });
  });

  test('UpdatePreferences keeps what is not sent, canonicalises, and refuses invalid values', async () => {
    const updated = await call('UpdatePreferences', trader.token, {
      input: { locale: 'de-ch', timezone: 'europe/zurich', notifications: { push: true } },
    });
    expect(updated.body.data.updatePreferences).toEqual({
      theme: 'system',
      locale: 'de-CH',
      timezone: 'Europe/Zurich',
      notifications: { email: true, push: true },
    });
    // Two updates of different fields at the same moment both stick.
    await Promise.all([
      call('UpdatePreferences', trader.token, { input: { theme: 'dark' } }),
      call('UpdatePreferences', trader.token, { input: { locale: 'fr-CH' } }),
    ]);
    const both = await call('Me', trader.token);
    expect(both.body.data.me.preferences).toMatchObject({ theme: 'dark', locale: 'fr-CH' });
    const themed = await call('UpdatePreferences', trader.token, { input: { locale: 'de-CH' } });
    expect(themed.body.data.updatePreferences).toMatchObject({ theme: 'dark', locale: 'de-CH' });
    for (const [input, message] of [
      [{ theme: 'neon' }, 'theme: must be light, dark or system'],
      [{ locale: 'not a locale!' }, 'locale: must be a BCP 47 language tag, such as en-US'],
      [{ timezone: 'Mars/Olympus' }, 'timezone: must be an IANA time zone, such as Europe/Zurich'],
    ] as const) {
      const refused = await call('UpdatePreferences', trader.token, { input });
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.body.errors[0].message).toBe(message);
    }
  });

  test('MyActivity lists sign-ins and changes, newest first; nobody sees another user’s', async () => {
    const activity = await settled(
      async () => (await call('MyActivity', trader.token, { first: 50 })).body.data.me.activity,
      (entries: { type: string }[]) =>
        ['LOGIN', 'PROFILE_UPDATED', 'PREFERENCES_UPDATED'].every((type) =>
          entries.some((entry) => entry.type === type),
        ),
      { intervalMs: 100 },
    );
    const types = activity.map((entry: { type: string }) => entry.type);
    expect(types).toEqual(
      expect.arrayContaining(['LOGIN', 'PROFILE_UPDATED', 'PREFERENCES_UPDATED']),
    );
    const times = (activity as unknown as { at: string }[]).map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(activity[0]).toMatchObject({ id: expect.any(String), metadata: expect.any(Object) });
    // An entry older than ACTIVITY_RETENTION_DAYS (90) is no longer served.
    await stack.admin.query(
      `INSERT INTO t_${tenantId.replace(/-/g, '')}.activity (user_id, type, at) VALUES ($1, 'ANCIENT', now() - interval '91 days')`,
      [trader.userId],
    );
    // Ending a session is activity too.
    const other = await login('tom@omega.test', 'tom long password');
    await call('Logout', other.token);
    const withLogout = await settled(
      async () => (await call('MyActivity', trader.token, { first: 50 })).body.data.me.activity,
      (entries: { type: string }[]) => entries.some((entry) => entry.type === 'SESSION_REVOKED'),
      { intervalMs: 100 },
    );
    expect(withLogout).toContainEqual(
      expect.objectContaining({
        type: 'SESSION_REVOKED',
        metadata: { sessionId: expect.any(String), reason: 'LOGOUT' },
      }),
    );
    expect(withLogout.map((entry: { type: string }) => entry.type)).not.toContain('ANCIENT');
    const limited = await call('MyActivity', trader.token, { first: 1 });
    expect(limited.body.data.me.activity).toHaveLength(1);
    // Paging with the last id seen walks the whole feed once, in order.
    const PAGE = 'query P($after: ID) { me { activity(first: 2, after: $after) { id } } }';
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await graphql(stack.routerUrl, PAGE, trader.token, { after })).body.data.me
        .activity as { id: string }[];
      if (page.length === 0) break;
      walked.push(...page.map((entry) => entry.id));
      after = page.at(-1)!.id;
    }
    const whole = (await call('MyActivity', trader.token, { first: 100 })).body.data.me.activity;
    expect(walked).toEqual(whole.map((entry: { id: string }) => entry.id));
    // Not even an OWNER reads someone else's activity or preferences.
    const snooping = await graphql(
      stack.routerUrl,
      '{ users(search: "tom@") { edges { node { id activity(first: 5) { type } preferences { theme } } } } }',
      owner.token,
    );
    expect(new Set(codes(snooping))).toEqual(new Set(['FORBIDDEN']));
    expect(JSON.stringify(snooping.body.data)).not.toMatch(/LOGIN|dark|system/);
  });
});

describe('users and roles', () => {
  test('Users: OWNER and ADMIN page and search; a VIEWER is refused', async () => {
    const all = await call('Users', admin.token, { first: 2 });
    expect(all.body.errors).toBeUndefined();
    expect(all.body.data.users.totalCount).toBe(4);
    expect(all.body.data.users.edges).toHaveLength(2);
    expect(all.body.data.users.pageInfo.hasNextPage).toBe(true);
    const rest = await call('Users', admin.token, {
      first: 10,
      after: all.body.data.users.pageInfo.endCursor,
    });
    const names = [...all.body.data.users.edges, ...rest.body.data.users.edges].map(
      (edge: { node: { name: string } }) => edge.node.name,
    );
    expect(names).toEqual(['Adam', 'Olga Owner', 'Tom Trader', 'Vera']);
    expect(rest.body.data.users.pageInfo.hasNextPage).toBe(false);

    const byEmail = await call('Users', owner.token, { search: 'VERA@omega' });
    expect(byEmail.body.data.users).toMatchObject({
      totalCount: 1,
      edges: [{ node: { email: 'vera@omega.test', roles: ['VIEWER'], status: 'ACTIVE' } }],
    });
    // LIKE metacharacters are matched literally.
    const wildcard = await call('Users', owner.token, { search: '%' });
    expect(wildcard.body.data.users.totalCount).toBe(0);
    expect(codes(await call('Users', viewer.token))).toEqual(['FORBIDDEN']);
    expect(codes(await call('Users', trader.token))).toEqual(['FORBIDDEN']);
  });

  test("a colleague's account details are for admins and the user only", async () => {
    const ENTITY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email roles } } }`;
    const representations = [{ __typename: 'User', id: owner.userId }];
    const asViewer = await graphql(
      `http://127.0.0.1:${stack.ports.auth}/graphql`,
      ENTITY,
      viewer.token,
      { r: representations },
    );
    expect(new Set(codes(asViewer))).toEqual(new Set(['FORBIDDEN']));
    expect(JSON.stringify(asViewer.body.data ?? {})).not.toContain(OWNER.email);
    const asAdmin = await graphql(
      `http://127.0.0.1:${stack.ports.auth}/graphql`,
      ENTITY,
      admin.token,
      { r: representations },
    );
    expect(asAdmin.body.data._entities).toEqual([
      { id: owner.userId, email: OWNER.email, roles: ['OWNER'] },
    ]);
  });

  test('InviteUser answers the new user with the name it was given', async () => {
    const invited = await graphql(
      stack.routerUrl,
      'mutation I($input: InviteUserInput!) { inviteUser(input: $input) { id name email status roles } }',
      owner.token,
      { input: { email: 'nina@omega.test', name: 'Nina', role: 'VIEWER' } },
    );
    expect(invited.body.errors).toBeUndefined();
    expect(invited.body.data.inviteUser).toMatchObject({
      name: 'Nina',
      email: 'nina@omega.test',
      status: 'INVITED',
      roles: ['VIEWER'],
    });
    await call('DisableUser', owner.token, { userId: invited.body.data.inviteUser.id });
  });

  test('InviteUser: duplicates conflict, only an OWNER invites an OWNER, maxUsers is enforced', async () => {
    const duplicate = await call('InviteUser', owner.token, {
      input: { email: 'TOM@omega.test', name: 'Tom again', role: 'TRADER' },
    });
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    const ownerByAdmin = await call('InviteUser', admin.token, {
      input: { email: 'otto@omega.test', name: 'Otto', role: 'OWNER' },
    });
    expect(codes(ownerByAdmin)).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await call('InviteUser', viewer.token, {
          input: { email: 'x@omega.test', name: 'X', role: 'VIEWER' },
        }),
      ),
    ).toEqual(['FORBIDDEN']);
    const limit = await call('UpdateTenantLimits', operatorToken, {
      id: tenantId,
      input: { maxUsers: 4 },
    });
    expect(limit.body.errors).toBeUndefined();
    const full = await call('InviteUser', owner.token, {
      input: { email: 'fifth@omega.test', name: 'Fifth', role: 'VIEWER' },
    });
    expect(codes(full)).toEqual(['LIMIT_EXCEEDED']);
    // One seat left and three invitations at once: exactly one gets it.
    await call('UpdateTenantLimits', operatorToken, { id: tenantId, input: { maxUsers: 5 } });
    const racing = await Promise.all(
      ['r1', 'r2', 'r3'].map((n) =>
        call('InviteUser', owner.token, {
          input: { email: `${n}@omega.test`, name: n, role: 'VIEWER' },
        }),
      ),
    );
    expect(racing.map((r) => codes(r)[0] ?? 'OK').sort()).toEqual([
      'LIMIT_EXCEEDED',
      'LIMIT_EXCEEDED',
      'OK',
    ]);
    const seated = racing.find((r) => !r.body.errors)!.body.data.inviteUser.id;
    await call('DisableUser', owner.token, { userId: seated });
    await call('UpdateTenantLimits', operatorToken, { id: tenantId, input: { maxUsers: null } });
  });

  test('AssignRole and RevokeRole: OWNER rules, the last OWNER, and new tokens carry the change', async () => {
    expect(
      codes(await call('AssignRole', viewer.token, { userId: trader.userId, role: 'ANALYST' })),
    ).toEqual(['FORBIDDEN']);
    const adminGrantsOwner = await call('AssignRole', admin.token, {
      userId: trader.userId,
      role: 'OWNER',
    });
    expect(codes(adminGrantsOwner)).toEqual(['FORBIDDEN']);
    expect(adminGrantsOwner.body.errors[0].message).toBe('Only an OWNER may grant or revoke OWNER');

    const granted = await call('AssignRole', admin.token, {
      userId: trader.userId,
      role: 'ANALYST',
    });
    expect(granted.body.data.assignRole).toMatchObject({
      id: trader.userId,
      roles: ['TRADER', 'ANALYST'],
    });
    expect(granted.body.data.assignRole.permissions).toContain('sessions:analytics');

    const lastOwner = await call('RevokeRole', owner.token, {
      userId: owner.userId,
      role: 'OWNER',
    });
    expect(codes(lastOwner)).toEqual(['CONFLICT']);
    expect(lastOwner.body.errors[0].message).toBe(
      'A tenant needs at least one active OWNER: make someone else OWNER first',
    );

    // Existing tokens keep their roles until they expire; the next refresh carries the new ones.
    const refreshed = await call('RefreshSession', undefined, {
      refreshToken: trader.refreshToken,
    });
    trader = {
      ...trader,
      token: refreshed.body.data.refreshSession.accessToken,
      refreshToken: refreshed.body.data.refreshSession.refreshToken,
    };
    const claims = JSON.parse(Buffer.from(trader.token.split('.')[1], 'base64url').toString());
    expect(claims.roles).toEqual(['TRADER', 'ANALYST']);

    const revoked = await call('RevokeRole', admin.token, {
      userId: trader.userId,
      role: 'ANALYST',
    });
    expect(revoked.body.data.revokeRole.roles).toEqual(['TRADER']);
    const lastRole = await call('RevokeRole', admin.token, {
      userId: trader.userId,
      role: 'TRADER',
    });
    expect(codes(lastRole)).toEqual(['CONFLICT']);
    const activity = await settled(
      async () => (await call('MyActivity', trader.token, { first: 50 })).body.data.me.activity,
      (entries: { type: string }[]) => entries.filter((e) => e.type === 'ROLE_CHANGED').length >= 2,
      { intervalMs: 100 },
    );
    expect(activity.filter((e: { type: string }) => e.type === 'ROLE_CHANGED')).toHaveLength(2);
  });

  test("a demoted user's still-valid token cannot use the role it lost", async () => {
    const promoted = await call('AssignRole', owner.token, {
      userId: viewer.userId,
      role: 'ADMIN',
    });
    expect(promoted.body.data.assignRole.roles).toEqual(['VIEWER', 'ADMIN']);
    const refreshed = await call('RefreshSession', undefined, {
      refreshToken: viewer.refreshToken,
    });
    const adminToken = refreshed.body.data.refreshSession.accessToken;
    viewer = { ...viewer, refreshToken: refreshed.body.data.refreshSession.refreshToken };
    await call('RevokeRole', owner.token, { userId: viewer.userId, role: 'ADMIN' });
    // The token still says ADMIN; the stored roles decide.
    for (const attempt of [
      call('AssignRole', adminToken, { userId: viewer.userId, role: 'ADMIN' }),
      call('DisableUser', adminToken, { userId: admin.userId }),
      call('InviteUser', adminToken, {
        input: { email: 'sneaky@omega.test', name: 'Sneaky', role: 'ADMIN' },
      }),
    ])
      expect(codes(await attempt)).toEqual(['FORBIDDEN']);
  });

  test("another tenant's user ids find nothing", async () => {
    const other = await call('CreateTenant', operatorToken, {
      input: {
        slug: 'sigma-desk',
        name: 'Sigma',
        plan: 'FREE',
        owner: { email: 'sam@sigma.test', name: 'Sam', password: 'sams long password' },
      },
    });
    const foreignId = other.body.data.createTenant.owner.id;
    for (const name of ['AssignRole', 'RevokeRole'])
      expect(codes(await call(name, owner.token, { userId: foreignId, role: 'VIEWER' }))).toEqual([
        'NOT_FOUND',
      ]);
    expect(codes(await call('DisableUser', owner.token, { userId: foreignId }))).toEqual([
      'NOT_FOUND',
    ]);
  });

  test('DisableUser ends every session of the user at once; a VIEWER may not', async () => {
    expect(codes(await call('DisableUser', viewer.token, { userId: trader.userId }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await call('DisableUser', admin.token, { userId: owner.userId }))).toEqual([
      'FORBIDDEN',
    ]);
    const second = await login('tom@omega.test', 'tom long password');
    const disabled = await call('DisableUser', admin.token, { userId: trader.userId });
    expect(disabled.body.data.disableUser).toEqual({ id: trader.userId, status: 'DISABLED' });
    for (const session of [trader, second]) {
      const refresh = await call('RefreshSession', undefined, {
        refreshToken: session.refreshToken,
      });
      expect(codes(refresh)).toEqual(['UNAUTHENTICATED']);
      // Its access tokens stop working too.
      expect(await statusOnceRevoked(stack.routerUrl, session.token)).toBe(401);
    }
    await expect(login('tom@omega.test', 'tom long password')).rejects.toThrow(/UNAUTHENTICATED/);
    const listed = await call('Users', owner.token, { search: 'tom@' });
    expect(listed.body.data.users.edges[0].node.status).toBe('DISABLED');
  });
});

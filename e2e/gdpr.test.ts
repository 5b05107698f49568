/**
 * Personal data (docs/privacy.md) through the router: exportMyData gathers the caller's data
 * from the auth, user and session subgraphs in one answer, and nobody else's; eraseUser deletes
 * or pseudonymises it in every subgraph (checked through the API and with SQL over every table
 * of the tenant's schema), keeps the audit trail under the pseudonym, and refuses whom it must.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { tenantSchemaName, type TenantRole } from '@tradesage/shared';
import { settled, until } from '@tradesage/shared/testing';
import {
  codes,
  DEVICES,
  graphql,
  login,
  OPERATOR,
  operation,
  startStack,
  statusOnceRevoked,
  type SignedIn,
  type Stack,
} from './support/stack';

const SLUG = 'rho-desk';
const OWNER = { email: 'olga@rho.test', password: 'olgas long password', name: 'Olga Owner' };
/** A version 8 UUID: what a pseudonym looks like. */
const PSEUDONYM = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let stack: Stack;
let tenantId: string;
let schema: string;
let owner: SignedIn;
let bob: SignedIn;

const call = (name: string, token?: string, variables?: Record<string, unknown>) =>
  graphql(stack.routerUrl, operation(name), token, variables);

/**
 * Invites someone (as the OWNER), who sets a password from the e-mailed link and signs in. Only
 * a mail sent after the invitation counts: an erased user's address may be invited again.
 */
async function join(email: string, name: string, role: TenantRole) {
  const seen = new Set(stack.smtp.messages);
  const invited = await call('InviteUser', owner.token, { input: { email, name, role } });
  expect(invited.body.errors).toBeUndefined();
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && !seen.has(m));
  const password = `${name.toLowerCase()} long password`;
  const accepted = await graphql(
    stack.routerUrl,
    'mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }',
    undefined,
    { t: new URL(mail.links[0]).searchParams.get('token'), p: password },
  );
  expect(accepted.body.data?.acceptInvitation).toBe(true);
  return { ...(await signIn(email, password)), email, name, password };
}

/** Dana's own devices: addresses nobody else in these tests uses. */
const DANA_LAPTOP = { ...DEVICES.laptop, 'x-forwarded-for': '198.51.100.41' };
const DANA_PHONE = { ...DEVICES.phone, 'x-forwarded-for': '198.51.100.42' };

const signIn = (email: string, password: string, device?: Record<string, string>) =>
  login(stack, { tenantSlug: SLUG, email, password }, device);

/** `query` straight at one subgraph, as the router would send it. */
const atSubgraph = (
  name: 'auth' | 'user' | 'session',
  query: string,
  token: string,
  variables?: Record<string, unknown>,
) => graphql(`http://127.0.0.1:${stack.ports[name]}/graphql`, query, token, variables);

const exportOf = async (token: string, variables: Record<string, unknown> = {}) => {
  const result = await call('ExportMyData', token, {
    auditFirst: 200,
    activityFirst: 100,
    ...variables,
  });
  expect(result.body.errors).toBeUndefined();
  return result.body.data.exportMyData;
};

/**
 * Rows of every table in the tenant's schema whose text (every column) contains any of
 * `needles`, as `table: row` lines.
 */
async function rowsMentioning(needles: string[], except: string[] = []): Promise<string[]> {
  const { rows: tables } = await stack.admin.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
    [schema],
  );
  expect(tables.map((table) => table.name)).toEqual(
    expect.arrayContaining(['accounts', 'audit_events', 'profiles', 'activity', 'login_history']),
  );
  const found: string[] = [];
  for (const { name } of tables.filter((table) => !except.includes(table.name))) {
    const { rows } = await stack.admin.query<{ row: string }>(
      `SELECT t::text AS row FROM "${schema}"."${name}" t WHERE t::text ILIKE ANY($1)`,
      [needles.map((needle) => `%${needle}%`)],
    );
    found.push(...rows.map((row) => `${name}: ${row.row}`));
  }
  return found;
}

/** Runs `run` as the tenant's own database role, the way every subgraph reaches the schema. */
async function asTenantRole<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: stack.db.url.replace('postgres@', `${stack.config.TENANT_DB_USER}@`),
  });
  await client.connect();
  try {
    await client.query(`SET ROLE "${schema}_rw"`);
    await client.query(`SET search_path TO "${schema}"`);
    return await run(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  stack = await startStack('e2e_gdpr');
  const operator = await call('OperatorLogin', undefined, OPERATOR);
  const created = await call('CreateTenant', operator.body.data.operatorLogin.accessToken, {
    input: { slug: SLUG, name: 'Rho Desk', plan: 'PRO', owner: OWNER },
  });
  tenantId = created.body.data.createTenant.tenant.id;
  schema = tenantSchemaName(tenantId);
  owner = await signIn(OWNER.email, OWNER.password);
  bob = await join('bob@rho.test', 'Bob', 'VIEWER');
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('exportMyData', () => {
  test("gives the caller's account, profile, preferences, sessions on both devices, activity and audit entries, in one answer, and nothing of anyone else", async () => {
    const alice = await join('alice@rho.test', 'Alice', 'TRADER');
    // Two devices of her own, and no other session.
    await call('Logout', alice.token);
    const laptop = await signIn(alice.email, alice.password, DEVICES.laptop);
    const phone = await signIn(alice.email, alice.password, DEVICES.phone);
    await call('UpdateProfile', laptop.token, {
      input: { name: 'Alice Adams', avatarUrl: 'https://cdn.example/alice.png' },
    });
    await call('UpdatePreferences', phone.token, { input: { theme: 'dark', locale: 'de-ch' } });
    // Colleagues' doings, which must not show.
    await call('UpdateProfile', bob.token, { input: { name: 'Bob Brown' } });
    await signIn('bob@rho.test', 'bob long password', DEVICES.tablet);

    // Three sign-ins, the first one's logout, and two changes: all arrive through events.
    const expected = ['LOGIN', 'LOGIN', 'LOGIN', 'PREFERENCES_UPDATED', 'PROFILE_UPDATED'];
    const data = await settled(
      () => exportOf(laptop.token),
      (got) => {
        const types = got.activity.map((entry: { type: string }) => entry.type).sort();
        return JSON.stringify(types) === JSON.stringify([...expected, 'SESSION_REVOKED'].sort());
      },
      { intervalMs: 100 },
    );
    expect(data.activity).toHaveLength(6);
    expect(data.userId).toBe(alice.userId);
    expect(Date.parse(data.generatedAt)).not.toBeNaN();
    expect(data.account).toMatchObject({
      id: alice.userId,
      email: 'alice@rho.test',
      emailVerified: true,
      status: 'ACTIVE',
      roles: ['TRADER'],
      hasPassword: true,
      mfaEnabled: false,
      recoveryCodesLeft: 0,
      identities: [],
      lastLoginAt: expect.any(String),
    });
    expect(data.account.emailLinks).toEqual([
      expect.objectContaining({ purpose: 'INVITATION', usedAt: expect.any(String) }),
    ]);
    expect(data.profile).toMatchObject({
      name: 'Alice Adams',
      email: 'alice@rho.test',
      avatarUrl: 'https://cdn.example/alice.png',
    });
    expect(data.preferences).toMatchObject({ theme: 'dark', locale: 'de-CH' });
    // Both devices, each with its address; the one asking is the current one.
    expect(
      data.sessions
        .map((session: any) => [
          session.id,
          session.device.type,
          session.ipAddress,
          session.current,
        ])
        .sort(),
    ).toEqual(
      [
        [laptop.sessionId, 'DESKTOP', DEVICES.laptop['x-forwarded-for'], true],
        [phone.sessionId, 'MOBILE', DEVICES.phone['x-forwarded-for'], false],
      ].sort(),
    );
    expect(data.activity).toContainEqual(
      expect.objectContaining({ type: 'LOGIN', ipAddress: DEVICES.phone['x-forwarded-for'] }),
    );
    // Every audit entry names her; an administrator's request keeps its origin to itself.
    const audit = data.auditEvents.edges.map((edge: any) => edge.node);
    expect(
      audit.every(
        (entry: any) => entry.actorId === alice.userId || entry.subjectId === alice.userId,
      ),
    ).toBe(true);
    expect(audit.map((entry: any) => entry.type)).toEqual(
      expect.arrayContaining(['USER_INVITED', 'INVITATION_ACCEPTED', 'LOGIN_SUCCEEDED', 'LOGOUT']),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'LOGIN_SUCCEEDED',
        actorId: alice.userId,
        ipAddress: DEVICES.laptop['x-forwarded-for'],
        userAgent: DEVICES.laptop['user-agent'],
      }),
    );
    expect(audit.find((entry: any) => entry.type === 'USER_INVITED')).toMatchObject({
      actorId: owner.userId,
      subjectId: alice.userId,
      ipAddress: null,
      userAgent: null,
    });
    // Nothing of anyone else: no colleague's e-mail, name, address or session.
    const text = JSON.stringify(data);
    for (const other of [
      'bob@rho.test',
      'Bob Brown',
      OWNER.email,
      OWNER.name,
      bob.userId,
      bob.sessionId,
      owner.sessionId,
      DEVICES.tablet['x-forwarded-for'],
    ])
      expect(text).not.toContain(other);

    // The audit entries page with cursors, newest first, each entry once.
    const firstPage = (await exportOf(laptop.token, { auditFirst: 2 })).auditEvents;
    expect(firstPage.edges).toHaveLength(2);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = (
      await exportOf(laptop.token, { auditFirst: 200, auditAfter: firstPage.pageInfo.endCursor })
    ).auditEvents;
    expect([...firstPage.edges, ...secondPage.edges].map((edge: any) => edge.node.id)).toEqual(
      audit.map((entry: any) => entry.id),
    );
    const activityPage = (await exportOf(laptop.token, { activityFirst: 1 })).activity;
    expect(activityPage).toEqual([data.activity[0]]);
  });

  test("another user's data cannot be exported, by any route", async () => {
    const carl = await join('carl@rho.test', 'Carl', 'ANALYST');
    // The query takes no id at all.
    const withId = await graphql(
      stack.routerUrl,
      'query { exportMyData(userId: "x") { userId } }',
      carl.token,
    );
    expect(codes(withId)).toEqual(['BAD_USER_INPUT']);
    // Straight at each subgraph, an export entity with someone else's key resolves to nothing.
    const representations = [{ __typename: 'MyDataExport', userId: bob.userId }];
    for (const [subgraph, fields] of [
      ['auth', 'account { email } auditEvents { edges { node { id } } }'],
      ['user', 'profile { name email } preferences { theme } activity { id }'],
      ['session', 'sessions { id ipAddress }'],
    ] as const) {
      const answer = await atSubgraph(
        subgraph,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on MyDataExport { userId ${fields} } } }`,
        carl.token,
        { r: representations },
      );
      expect({ subgraph, entities: answer.body.data?._entities }).toEqual({
        subgraph,
        entities: [null],
      });
      expect(JSON.stringify(answer.body)).not.toContain('bob@rho.test');
    }
    expect(codes(await call('ExportMyData', undefined))).toEqual(['UNAUTHENTICATED']);
    const operator = await call('OperatorLogin', undefined, OPERATOR);
    expect(codes(await call('ExportMyData', operator.body.data.operatorLogin.accessToken))).toEqual(
      ['FORBIDDEN'],
    );
  });
});

describe('eraseUser', () => {
  test('by an OWNER: sessions end, sign-in fails, the data is gone from every subgraph, and the audit trail keeps it under the pseudonym', async () => {
    const dana = await join('dana@rho.test', 'Dana', 'TRADER');
    const laptop = await signIn(dana.email, dana.password, DANA_LAPTOP);
    const phone = await signIn(dana.email, dana.password, DANA_PHONE);
    await call('UpdateProfile', laptop.token, { input: { name: 'Dana Doe' } });
    await call('UpdatePreferences', laptop.token, { input: { theme: 'light' } });
    await settled(
      () => exportOf(laptop.token),
      (got) => got.activity.some((entry: { type: string }) => entry.type === 'PROFILE_UPDATED'),
      { intervalMs: 100 },
    );
    const before = await stack.admin.query(
      `SELECT count(*)::int AS n FROM "${schema}".audit_events WHERE actor_id = $1 OR subject_id = $1`,
      [dana.userId],
    );
    expect(before.rows[0].n).toBeGreaterThan(3);

    const erased = await call('EraseUser', owner.token, { userId: dana.userId });
    expect(erased.body.errors).toBeUndefined();
    const { pseudonym, erasedAt } = erased.body.data.eraseUser;
    expect(erased.body.data.eraseUser.userId).toBe(dana.userId);
    expect(pseudonym).toMatch(PSEUDONYM);
    expect(pseudonym).not.toBe(dana.userId);

    // Every session ended: access tokens and refresh tokens die; the password signs in no more.
    for (const session of [dana, laptop, phone])
      expect(await statusOnceRevoked(stack.routerUrl, session.token)).toBe(401);
    const refresh = await call('RefreshSession', undefined, { refreshToken: phone.refreshToken });
    expect(codes(refresh)).toEqual(['UNAUTHENTICATED']);
    await expect(signIn(dana.email, dana.password)).rejects.toThrow(/UNAUTHENTICATED/);

    // Through the API: no such user for anyone, in any subgraph.
    const users = await settled(
      async () => (await call('Users', owner.token, { search: 'dana' })).body.data.users,
      (page) => page.totalCount === 0,
      { intervalMs: 100 },
    );
    expect(users.totalCount).toBe(0);
    const reference = await atSubgraph(
      'user',
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }`,
      owner.token,
      { r: [{ __typename: 'User', id: dana.userId }] },
    );
    expect(reference.body.data._entities).toEqual([null]);

    // In the database: her e-mail, names and addresses are nowhere in the tenant's schema, and
    // her id only in the user subgraph's list of erased users (which drops late events).
    const gone = await settled(
      () =>
        rowsMentioning([
          'dana@rho.test',
          'Dana Doe',
          DANA_LAPTOP['x-forwarded-for'],
          DANA_PHONE['x-forwarded-for'],
        ]),
      (rows) => rows.length === 0,
      { intervalMs: 100 },
    );
    expect(gone).toEqual([]);
    expect(await rowsMentioning([dana.userId], ['erased_users'])).toEqual([]);
    // Her audit entries are all still there, under the pseudonym, with the erasure itself.
    const kept = await stack.admin.query(
      `SELECT count(*)::int AS n FROM "${schema}".audit_events
        WHERE (actor_id = $1 OR subject_id = $1) AND type <> 'USER_ERASED'`,
      [pseudonym],
    );
    expect(kept.rows[0].n).toBe(before.rows[0].n);
    const log = await graphql(
      stack.routerUrl,
      '{ auditLog(first: 200) { edges { node { type actorId subjectId ipAddress userAgent } } } }',
      owner.token,
    );
    const entries = log.body.data.auditLog.edges.map((edge: any) => edge.node);
    // The sign-in attempt above came after the erasure, with no account to name.
    expect(entries.find((entry: any) => entry.type === 'USER_ERASED')).toMatchObject({
      actorId: owner.userId,
      subjectId: pseudonym,
    });
    expect(entries[0]).toMatchObject({ type: 'LOGIN_FAILED', actorId: null, subjectId: null });
    expect(entries).toContainEqual(
      expect.objectContaining({
        type: 'LOGIN_SUCCEEDED',
        actorId: pseudonym,
        subjectId: pseudonym,
        ipAddress: null,
        userAgent: null,
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        type: 'USER_INVITED',
        actorId: owner.userId,
        subjectId: pseudonym,
      }),
    );
    // Nor do the events that carried her e-mail and addresses wait in Redis any more.
    await until(async () => {
      const [created, activity] = await Promise.all(
        ['account.created', 'activity'].map((topic) =>
          stack.redis.xrange(`${stack.redisPrefix}stream:${topic}`, '-', '+'),
        ),
      );
      return !JSON.stringify([created, activity]).includes(dana.userId);
    }, 'the streams forgot her');

    // Erasing her again gives the same answer (a retry after a failure heals this way).
    const again = await call('EraseUser', owner.token, { userId: dana.userId });
    expect(again.body.data.eraseUser).toEqual({ userId: dana.userId, pseudonym, erasedAt });

    // Her address may be invited again: a new user, who starts with nothing of hers.
    const newDana = await join('dana@rho.test', 'Dana', 'VIEWER');
    expect(newDana.userId).not.toBe(dana.userId);
    const fresh = await exportOf(newDana.token);
    expect(fresh.profile).toMatchObject({ name: 'Dana', email: 'dana@rho.test' });
    expect(fresh.preferences.theme).toBe('system');
    expect(fresh.activity.map((entry: { type: string }) => entry.type)).not.toContain(
      'PROFILE_UPDATED',
    );
    expect(fresh.auditEvents.edges.every((edge: any) => edge.node.subjectId !== pseudonym)).toBe(
      true,
    );
  });

  test('an unknown id is NOT_FOUND; a MEMBER or an ADMIN may not erase anyone else, an OWNER even themselves', async () => {
    const erin = await join('erin@rho.test', 'Erin', 'ADMIN');
    const fay = await join('fay@rho.test', 'Fay', 'TRADER');
    for (const userId of ['00000000-0000-4000-8000-000000000000', 'not-an-id'])
      expect(codes(await call('EraseUser', owner.token, { userId }))).toEqual(['NOT_FOUND']);
    for (const caller of [bob, erin]) {
      const refused = await call('EraseUser', caller.token, { userId: fay.userId });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.body.data).toBeNull();
    }
    expect(codes(await call('EraseUser', undefined, { userId: fay.userId }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    // Fay is untouched.
    expect((await call('Me', fay.token)).body.data.me).toMatchObject({ email: 'fay@rho.test' });
    // A second OWNER may erase themselves, though the tenant does not let other users do so.
    const otto = await join('otto@rho.test', 'Otto', 'OWNER');
    const left = await call('EraseUser', otto.token, { userId: otto.userId });
    expect(left.body.errors).toBeUndefined();
    expect(await statusOnceRevoked(stack.routerUrl, otto.token)).toBe(401);
  });

  test('erasing oneself: FORBIDDEN until the tenant allows it, then it works; the last OWNER stays', async () => {
    const gus = await join('gus@rho.test', 'Gus', 'VIEWER');
    const refused = await call('EraseUser', gus.token, { userId: gus.userId });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect((await call('Me', gus.token)).body.data.me.email).toBe('gus@rho.test');

    // The OWNER turns it on, where the tenant's settings are changed and shown.
    const SETTINGS = `mutation($id: ID!, $on: Boolean) {
      updateTenantSettings(id: $id, input: { selfErasure: $on }) { id selfErasure selfRegistration }
    }`;
    expect(
      codes(await graphql(stack.routerUrl, SETTINGS, gus.token, { id: tenantId, on: true })),
    ).toEqual(['FORBIDDEN']);
    const opened = await graphql(stack.routerUrl, SETTINGS, owner.token, {
      id: tenantId,
      on: true,
    });
    expect(opened.body.data.updateTenantSettings).toEqual({
      id: tenantId,
      selfErasure: true,
      selfRegistration: false,
    });
    const shown = await graphql(stack.routerUrl, '{ currentTenant { selfErasure } }', gus.token);
    expect(shown.body.data.currentTenant.selfErasure).toBe(true);

    const erased = await settled(
      () => call('EraseUser', gus.token, { userId: gus.userId }),
      // Other services' directory caches hear of the change through Redis.
      (result) => !codes(result).includes('FORBIDDEN'),
      { intervalMs: 100 },
    );
    expect(erased.body.errors).toBeUndefined();
    const { pseudonym } = erased.body.data.eraseUser;
    expect(await statusOnceRevoked(stack.routerUrl, gus.token)).toBe(401);
    await expect(signIn('gus@rho.test', 'gus long password')).rejects.toThrow(/UNAUTHENTICATED/);
    // Recorded as done by the user, under the pseudonym, with no address of theirs.
    const { rows } = await stack.admin.query(
      `SELECT actor_id, subject_id, ip_address, user_agent FROM "${schema}".audit_events
        WHERE type = 'USER_ERASED' AND subject_id = $1`,
      [pseudonym],
    );
    expect(rows).toEqual([
      { actor_id: pseudonym, subject_id: pseudonym, ip_address: null, user_agent: null },
    ]);
    expect(
      await settled(
        () => rowsMentioning(['gus@rho.test'], []),
        (found) => found.length === 0,
        { intervalMs: 100 },
      ),
    ).toEqual([]);

    // The only active OWNER may not erase themselves: someone must run the tenant.
    const last = await call('EraseUser', owner.token, { userId: owner.userId });
    expect(codes(last)).toEqual(['CONFLICT']);
    expect(last.body.errors[0].extensions.reason).toBe('LAST_OWNER');
    expect((await call('Me', owner.token)).body.data.me.email).toBe(OWNER.email);
  });

  test('events about an erased user that arrive late, or again, leave no trace', async () => {
    const ivy = await join('ivy@rho.test', 'Ivy', 'TRADER');
    const erased = (await call('EraseUser', owner.token, { userId: ivy.userId })).body.data
      .eraseUser;
    await settled(
      () => rowsMentioning(['ivy@rho.test']),
      (rows) => rows.length === 0,
      { intervalMs: 100 },
    );
    const append = (topic: string, event: object) =>
      stack.redis.xadd(`${stack.redisPrefix}stream:${topic}`, '*', 'event', JSON.stringify(event));
    // Delivered at least once: the account's creation and an activity entry come (again) after
    // the erasure. Each stream is handled in order, so once a marker behind them is in, they
    // have been handled.
    const late = randomUUID();
    await append('account.created', {
      tenantId,
      accountId: ivy.userId,
      email: 'ivy@rho.test',
      name: 'Ivy',
    });
    await append('account.created', {
      tenantId,
      accountId: late,
      email: 'late@rho.test',
      name: 'Late',
    });
    await append('activity', {
      id: randomUUID(),
      tenantId,
      userId: ivy.userId,
      type: 'LOGIN',
      at: new Date().toISOString(),
      ipAddress: '198.51.100.77',
    });
    await append('activity', {
      id: late,
      tenantId,
      userId: bob.userId,
      type: 'MARKER',
      at: new Date().toISOString(),
    });
    const count = async (sql: string) => (await stack.admin.query(sql, [late])).rows[0].n as number;
    await until(
      async () =>
        (await count(`SELECT count(*)::int AS n FROM "${schema}".profiles WHERE user_id = $1`)) +
          (await count(`SELECT count(*)::int AS n FROM "${schema}".activity WHERE id = $1`)) ===
        2,
      'the markers were handled',
    );
    expect(await rowsMentioning(['ivy@rho.test', '198.51.100.77'])).toEqual([]);
    expect(await rowsMentioning([ivy.userId], ['erased_users'])).toEqual([]);

    // The erasure itself, again: every subgraph handles it once more, without failing.
    await append('user.erased', { ...erased, tenantId });
    await append('user.erased', {
      tenantId,
      userId: late,
      pseudonym: randomUUID(),
      erasedAt: new Date().toISOString(),
    });
    await until(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM "${schema}".erased_users WHERE user_id = $1`,
        )) === 1,
      'the second erasure was handled',
    );
    expect(await rowsMentioning(['ivy@rho.test', 'late@rho.test'])).toEqual([]);
    // Nothing failed on the way (a failing handler's event would end up in the dead letters).
    for (const topic of ['account.created', 'activity', 'user.erased'])
      expect(await stack.redis.xlen(`${stack.redisPrefix}stream:${topic}:dead`)).toBe(0);
  });

  test('the audit trail stays append-only: only an erased id may become its pseudonym', async () => {
    const hal = await join('hal@rho.test', 'Hal', 'VIEWER');
    const { pseudonym } = (await call('EraseUser', owner.token, { userId: hal.userId })).body.data
      .eraseUser;
    await asTenantRole(async (client) => {
      // Other columns cannot be changed at all; a live account's id cannot be hidden.
      await expect(client.query(`UPDATE audit_events SET type = 'NOTHING'`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        client.query(`UPDATE audit_events SET actor_id = $1 WHERE actor_id = $2`, [
          pseudonym,
          owner.userId,
        ]),
      ).rejects.toThrow(/append-only/);
      // Nor may an address be cleared on its own, or a pseudonym be changed again.
      await expect(
        client.query(`UPDATE audit_events SET ip_address = NULL WHERE actor_id = $1`, [
          owner.userId,
        ]),
      ).rejects.toThrow(/append-only/);
      await expect(
        client.query(`UPDATE audit_events SET subject_id = $1 WHERE subject_id = $2`, [
          hal.userId,
          pseudonym,
        ]),
      ).rejects.toThrow(/append-only/);
      await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
      await expect(client.query('DELETE FROM erased_accounts')).rejects.toThrow(
        /permission denied/,
      );
    });
    // Not even the owning login may rewrite history or delete it.
    await expect(
      stack.admin.query(
        `UPDATE "${schema}".audit_events SET subject_id = $1 WHERE subject_id = $2`,
        [hal.userId, pseudonym],
      ),
    ).rejects.toThrow(/append-only/);
    await expect(stack.admin.query(`DELETE FROM "${schema}".audit_events`)).rejects.toThrow(
      /append-only/,
    );
  });
});

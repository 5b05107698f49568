/**
 * The operators' audit trail, end to end against the running tenant subgraph with real Postgres,
 * Redis, pg_dump and an S3 server (s3rver): every operator action leaves exactly one entry,
 * failures included; only operators read the trail; the table refuses changes.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import S3rver from 's3rver';
import {
  migrateControlPlane,
  startSubgraph,
  tenantRoleName,
  type Config,
  type RunningService,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  createTestTenant,
  postGraphQL,
  signedSessionToken,
  testConfig,
  uniqueName,
  until,
  type TestDatabase,
  type TestSigner,
  type TestTenant,
} from '@tradesage/shared/testing';
import { createS3Client } from '../src/backups';
import { definition } from '../src/server';

const bucket = 'operator-audit-test';
const redisPrefix = `${uniqueName('operator-audit')}:`;

let db: TestDatabase;
let admin: pg.Pool;
let config: Config;
let signer: TestSigner;
let service: RunningService;
let redis: Redis;
let s3rver: S3rver;
let s3Dir: string;

beforeAll(async () => {
  s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-s3rver-'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true });
  const { port } = (await s3rver.run()) as unknown as { port: number };
  db = await createTestDatabase('ts_operator_audit');
  admin = new pg.Pool({ connectionString: db.url, max: 3 });
  signer = await createTestSigner(testConfig());
  config = testConfig({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_PRIVATE_KEYS: signer.privateKeys,
    TENANT_PORT: '0',
    TENANT_DIRECTORY_TTL_MS: '0',
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  });
  await migrateControlPlane(admin, config);
  const s3 = createS3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  redis = new Redis(config.REDIS_URL);
  service = await startSubgraph(definition, { config });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await admin?.end();
  await db?.drop();
  await s3rver?.close();
  fs.rmSync(s3Dir, { recursive: true, force: true });
});

/** A platform operator of its own (a fresh id), with a live session and an access token. */
async function newOperator(): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  const token = await signedSessionToken(redis, redisPrefix, signer, {
    sub: id,
    roles: ['PLATFORM_OPERATOR'],
  });
  return { id, token };
}

async function ownerToken(tenant: TestTenant): Promise<string> {
  return signedSessionToken(redis, redisPrefix, signer, {
    sub: tenant.owner.id,
    tid: tenant.id,
    tslug: tenant.slug,
    roles: ['OWNER'],
  });
}

interface CallOptions {
  token?: string;
  requestId?: string;
}

/** A call as the router makes it: the caller's token, request id, address and agent. */
function call(query: string, variables: Record<string, unknown>, options: CallOptions = {}) {
  return postGraphQL(service.url, query, variables, {
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    'x-forwarded-for': '203.0.113.9',
    'user-agent': 'operator-audit-tests',
  });
}

const requestId = () => `audit-${randomUUID()}`;

interface Row {
  id: string;
  operator_id: string;
  action: string;
  tenant_id: string | null;
  outcome: string;
  error_code: string | null;
  input: Record<string, unknown>;
  details: Record<string, unknown>;
  request_id: string;
  ip_address: string | null;
  user_agent: string | null;
}

/** The entries of one request, straight from the table. */
async function entriesOf(request: string): Promise<Row[]> {
  const { rows } = await admin.query<Row>(
    'SELECT * FROM control.operator_actions WHERE request_id = $1',
    [request],
  );
  return rows;
}

/** The one entry a request left; fails if it left none or several. */
async function entryOf(request: string): Promise<Row> {
  const rows = await entriesOf(request);
  expect(rows).toHaveLength(1);
  return rows[0];
}

const CREATE = `mutation C($input: CreateTenantInput!) {
  createTenant(input: $input) { tenant { id slug status } owner { id } }
}`;
const SUSPEND =
  'mutation S($id: ID!, $r: String!) { suspendTenant(id: $id, reason: $r) { status } }';
const RESUME = 'mutation R($id: ID!) { resumeTenant(id: $id) { status } }';
const DELETE = 'mutation D($id: ID!) { deleteTenant(id: $id) { status } }';
const LIMITS = `mutation L($id: ID!, $input: TenantLimitsInput!) {
  updateTenantLimits(id: $id, input: $input) { limits { maxUsers } }
}`;
const SETTINGS = `mutation T($id: ID!, $input: TenantSettingsInput!) {
  updateTenantSettings(id: $id, input: $input) { selfRegistration }
}`;
const BACKUP = 'mutation B($id: ID!) { backupTenant(id: $id) { id status } }';
const RESTORE = 'mutation X($id: ID!) { restoreTenant(backupId: $id) { id } }';
const BACKUPS = 'query Q($slug: String!) { tenant(slug: $slug) { backups { id status } } }';
const TRAIL = `query A($filter: OperatorAuditFilter, $first: Int, $after: String) {
  operatorAuditEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id at operatorId action tenantId outcome errorCode input details requestId ipAddress userAgent
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface TrailNode {
  id: string;
  at: string;
  operatorId: string;
  action: string;
  tenantId: string | null;
  outcome: string;
  errorCode: string | null;
  input: Record<string, unknown>;
  details: Record<string, unknown>;
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
}
interface TrailPage {
  edges: { cursor: string; node: TrailNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function trail(
  token: string,
  variables: { filter?: Record<string, unknown>; first?: number; after?: string | null },
): Promise<TrailPage> {
  const response = await call(TRAIL, variables, { token });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.operatorAuditEvents as TrailPage;
}

/** Every entry the filter matches, page by page. */
async function wholeTrail(token: string, filter: Record<string, unknown>, first = 2) {
  const nodes: TrailNode[] = [];
  let after: string | null = null;
  for (;;) {
    const page: TrailPage = await trail(token, { filter, first, after });
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

function errorCode(response: Awaited<ReturnType<typeof call>>): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

/** Runs an operation that must succeed, under a request id of its own; returns data and id. */
async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const request = requestId();
  const response = await call(query, variables, { token, requestId: request });
  expect(response.body.errors).toBeUndefined();
  return { data: response.body.data, request };
}

async function failing(query: string, variables: Record<string, unknown>, token: string) {
  const request = requestId();
  const response = await call(query, variables, { token, requestId: request });
  return { code: errorCode(response), data: response.body.data, request };
}

test('every operator action leaves exactly one entry: who, what, which tenant, request id, outcome', async () => {
  const operator = await newOperator();
  const slug = uniqueName('audited').replace(/_/g, '-').slice(0, 40);
  const password = 'an owner password 2026';
  const ownerEmail = `owner@${slug}.test`;

  const created = await ok(
    CREATE,
    {
      input: {
        slug,
        name: 'Audited Ltd',
        plan: 'PRO',
        owner: { email: ownerEmail, name: 'Olga', password },
      },
    },
    operator.token,
  );
  const tenantId = created.data.createTenant.tenant.id as string;
  const createEntry = await entryOf(created.request);
  expect(createEntry).toMatchObject({
    operator_id: operator.id,
    action: 'CREATE_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    error_code: null,
    input: { slug, name: 'Audited Ltd', plan: 'PRO' },
    details: { ownerId: created.data.createTenant.owner.id, ownerInvited: false },
    ip_address: '203.0.113.9',
    user_agent: 'operator-audit-tests',
  });
  // Neither the owner's password nor their e-mail is kept in the (never erased) trail.
  expect(JSON.stringify(createEntry)).not.toContain(password);
  expect(JSON.stringify(createEntry)).not.toContain(ownerEmail);

  const limits = await ok(LIMITS, { id: tenantId, input: { maxUsers: 7 } }, operator.token);
  expect(await entryOf(limits.request)).toMatchObject({
    action: 'UPDATE_TENANT_LIMITS',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    input: { maxUsers: 7 },
    details: { previous: { maxUsers: null } },
  });

  const settings = await ok(
    SETTINGS,
    { id: tenantId, input: { selfRegistration: true } },
    operator.token,
  );
  expect(await entryOf(settings.request)).toMatchObject({
    action: 'UPDATE_TENANT_SETTINGS',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    input: { selfRegistration: true },
    details: { previous: { selfRegistration: false } },
  });

  const backup = await ok(BACKUP, { id: tenantId }, operator.token);
  const backupId = backup.data.backupTenant.id as string;
  expect(await entryOf(backup.request)).toMatchObject({
    action: 'BACKUP_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    details: { backupId },
  });
  // The backup itself finishes after the response; its result is on the backup row.
  await until(async () => {
    const response = await call(BACKUPS, { slug }, { token: operator.token });
    const found = (response.body.data?.tenant?.backups ?? []) as { id: string; status: string }[];
    return found.some((b) => b.id === backupId && b.status === 'COMPLETED');
  }, 'the backup completes');

  const restore = await ok(RESTORE, { id: backupId }, operator.token);
  expect(await entryOf(restore.request)).toMatchObject({
    action: 'RESTORE_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    input: { backupId },
  });

  const suspend = await ok(SUSPEND, { id: tenantId, r: 'unpaid invoice' }, operator.token);
  expect(await entryOf(suspend.request)).toMatchObject({
    action: 'SUSPEND_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    input: { reason: 'unpaid invoice' },
    details: { status: 'SUSPENDED' },
  });

  const resume = await ok(RESUME, { id: tenantId }, operator.token);
  expect(await entryOf(resume.request)).toMatchObject({
    action: 'RESUME_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    details: { status: 'ACTIVE' },
  });

  const deleted = await ok(DELETE, { id: tenantId }, operator.token);
  expect(await entryOf(deleted.request)).toMatchObject({
    action: 'DELETE_TENANT',
    tenant_id: tenantId,
    outcome: 'SUCCEEDED',
    details: { status: 'DELETED' },
  });

  // The operators' query shows the same entries, newest first, each once.
  const requests = [created, limits, settings, backup, restore, suspend, resume, deleted].map(
    (done) => done.request,
  );
  const nodes = await wholeTrail(operator.token, { tenantId });
  expect(nodes.map((node) => node.requestId)).toEqual([...requests].reverse());
  expect(nodes.map((node) => node.action)).toEqual([
    'DELETE_TENANT',
    'RESUME_TENANT',
    'SUSPEND_TENANT',
    'RESTORE_TENANT',
    'BACKUP_TENANT',
    'UPDATE_TENANT_SETTINGS',
    'UPDATE_TENANT_LIMITS',
    'CREATE_TENANT',
  ]);
  for (const node of nodes) {
    expect(node).toMatchObject({
      operatorId: operator.id,
      tenantId,
      outcome: 'SUCCEEDED',
      errorCode: null,
      ipAddress: '203.0.113.9',
      userAgent: 'operator-audit-tests',
    });
  }
}, 120_000);

test('failed actions of operators are recorded as FAILED with their error code, and change nothing', async () => {
  const operator = await newOperator();
  const tenant = await createTestTenant(admin, config);
  const unknown = randomUUID();

  const unknownSuspend = await failing(SUSPEND, { id: unknown, r: 'who?' }, operator.token);
  expect(unknownSuspend.code).toBe('NOT_FOUND');
  expect(await entryOf(unknownSuspend.request)).toMatchObject({
    operator_id: operator.id,
    action: 'SUSPEND_TENANT',
    tenant_id: unknown,
    outcome: 'FAILED',
    error_code: 'NOT_FOUND',
  });

  // An id that is not a UUID names no tenant: it is kept, clipped, in the input.
  const garbled = await failing(DELETE, { id: 'not-a-tenant-id' }, operator.token);
  expect(garbled.code).toBe('NOT_FOUND');
  expect(await entryOf(garbled.request)).toMatchObject({
    action: 'DELETE_TENANT',
    tenant_id: null,
    outcome: 'FAILED',
    error_code: 'NOT_FOUND',
    input: { id: 'not-a-tenant-id' },
  });

  const conflict = await failing(RESUME, { id: tenant.id }, operator.token);
  expect(conflict.code).toBe('CONFLICT');
  expect(await entryOf(conflict.request)).toMatchObject({
    action: 'RESUME_TENANT',
    tenant_id: tenant.id,
    outcome: 'FAILED',
    error_code: 'CONFLICT',
  });

  const badLimits = await failing(
    LIMITS,
    { id: tenant.id, input: { maxUsers: 0 } },
    operator.token,
  );
  expect(badLimits.code).toBe('BAD_USER_INPUT');
  expect(await entryOf(badLimits.request)).toMatchObject({
    action: 'UPDATE_TENANT_LIMITS',
    tenant_id: tenant.id,
    outcome: 'FAILED',
    error_code: 'BAD_USER_INPUT',
    input: { maxUsers: 0 },
  });

  const reserved = await failing(
    CREATE,
    {
      input: {
        slug: 'admin',
        name: 'Nope',
        plan: 'FREE',
        owner: { email: 'someone@nope.test', name: 'N', password: 'a secret password 2026' },
      },
    },
    operator.token,
  );
  expect(reserved.code).toBe('BAD_USER_INPUT');
  const refusedCreate = await entryOf(reserved.request);
  expect(refusedCreate).toMatchObject({
    action: 'CREATE_TENANT',
    tenant_id: null,
    outcome: 'FAILED',
    error_code: 'BAD_USER_INPUT',
    input: { slug: 'admin', name: 'Nope', plan: 'FREE' },
  });
  expect(JSON.stringify(refusedCreate)).not.toContain('a secret password 2026');

  const noBackup = await failing(RESTORE, { id: randomUUID() }, operator.token);
  expect(noBackup.code).toBe('NOT_FOUND');
  expect(await entryOf(noBackup.request)).toMatchObject({
    action: 'RESTORE_TENANT',
    tenant_id: null,
    outcome: 'FAILED',
    error_code: 'NOT_FOUND',
  });

  // Nothing changed.
  const { rows } = await admin.query(
    'SELECT status, max_users FROM control.tenants WHERE id = $1',
    [tenant.id],
  );
  expect(rows).toEqual([{ status: 'ACTIVE', max_users: null }]);

  const failed = await wholeTrail(operator.token, { operatorId: operator.id, outcome: 'FAILED' });
  expect(failed.map((node) => node.requestId).sort()).toEqual(
    [unknownSuspend, garbled, conflict, badLimits, reserved, noBackup]
      .map((done) => done.request)
      .sort(),
  );
});

test('a tenant OWNER can neither query the trail nor read the table; their own settings change is no operator action', async () => {
  const tenant = await createTestTenant(admin, config);
  const token = await ownerToken(tenant);

  const refused = await call(TRAIL, { filter: { tenantId: tenant.id } }, { token });
  expect(errorCode(refused)).toBe('FORBIDDEN');
  expect(refused.body.data).toBeNull();
  expect(errorCode(await call(TRAIL, {}))).toBe('UNAUTHENTICATED');

  // The OWNER may change their own tenant's settings; that is theirs, not an operator's.
  const own = await ok(SETTINGS, { id: tenant.id, input: { selfRegistration: true } }, token);
  expect(own.data.updateTenantSettings.selfRegistration).toBe(true);
  expect(await entriesOf(own.request)).toEqual([]);
  // Operator-only actions are refused before they run, and leave nothing either.
  const denied = await failing(SUSPEND, { id: tenant.id, r: 'self' }, token);
  expect(denied.code).toBe('FORBIDDEN');
  expect(await entriesOf(denied.request)).toEqual([]);

  // The tenant's own database role cannot read the trail at all.
  const client = new pg.Client({
    connectionString: db.url.replace('postgres@', `${config.TENANT_DB_USER}@`),
  });
  await client.connect();
  try {
    await client.query(`SET ROLE ${tenantRoleName(tenant.schemaName)}`);
    await expect(client.query('SELECT * FROM control.operator_actions')).rejects.toThrow(
      /permission denied/,
    );
  } finally {
    await client.end();
  }
});

test('entries cannot be updated, deleted or truncated, not even by the owning login', async () => {
  const operator = await newOperator();
  const tenant = await createTestTenant(admin, config);
  const done = await ok(LIMITS, { id: tenant.id, input: { storageMb: 900 } }, operator.token);
  const entry = await entryOf(done.request);

  await expect(
    admin.query(`UPDATE control.operator_actions SET outcome = 'FAILED' WHERE id = $1`, [entry.id]),
  ).rejects.toThrow(/append-only/);
  await expect(
    admin.query('DELETE FROM control.operator_actions WHERE id = $1', [entry.id]),
  ).rejects.toThrow(/append-only/);
  await expect(admin.query('TRUNCATE control.operator_actions')).rejects.toThrow(/append-only/);
  expect(await entryOf(done.request)).toEqual(entry);
});

test('filters and cursor pagination', async () => {
  const [alice, bob] = [await newOperator(), await newOperator()];
  const [north, south] = [
    await createTestTenant(admin, config),
    await createTestTenant(admin, config),
  ];
  const done: { request: string; operator: string; tenant: string; action: string }[] = [];
  const act = async (
    operator: { id: string; token: string },
    tenant: TestTenant,
    action: string,
    query: string,
    variables: Record<string, unknown>,
  ) => {
    const { request } = await ok(query, variables, operator.token);
    done.push({ request, operator: operator.id, tenant: tenant.id, action });
  };
  await act(alice, north, 'UPDATE_TENANT_LIMITS', LIMITS, {
    id: north.id,
    input: { maxUsers: 10 },
  });
  await act(alice, south, 'UPDATE_TENANT_LIMITS', LIMITS, {
    id: south.id,
    input: { maxUsers: 20 },
  });
  await act(bob, north, 'SUSPEND_TENANT', SUSPEND, { id: north.id, r: 'audit' });
  await act(alice, north, 'RESUME_TENANT', RESUME, { id: north.id });
  await act(bob, south, 'UPDATE_TENANT_SETTINGS', SETTINGS, {
    id: south.id,
    input: { selfRegistration: true },
  });
  await act(alice, north, 'UPDATE_TENANT_LIMITS', LIMITS, {
    id: north.id,
    input: { maxUsers: 11 },
  });
  const newestFirst = (rows: typeof done) => rows.map((row) => row.request).reverse();

  // Pages of two walk the whole of Alice's entries, each once, in the order of one big page.
  const aliceAll = await wholeTrail(alice.token, { operatorId: alice.id }, 100);
  expect(aliceAll.map((node) => node.requestId)).toEqual(
    newestFirst(done.filter((row) => row.operator === alice.id)),
  );
  const alicePaged = await wholeTrail(alice.token, { operatorId: alice.id }, 2);
  expect(alicePaged).toEqual(aliceAll);
  const first = await trail(alice.token, { filter: { operatorId: alice.id }, first: 2 });
  expect(first.edges).toHaveLength(2);
  expect(first.pageInfo.hasNextPage).toBe(true);

  // Each filter alone, and together.
  const requestsOf = (nodes: TrailNode[]) => nodes.map((node) => node.requestId);
  expect(requestsOf(await wholeTrail(bob.token, { operatorId: bob.id }))).toEqual(
    newestFirst(done.filter((row) => row.operator === bob.id)),
  );
  expect(requestsOf(await wholeTrail(bob.token, { tenantId: north.id }))).toEqual(
    newestFirst(done.filter((row) => row.tenant === north.id)),
  );
  expect(
    requestsOf(await wholeTrail(bob.token, { tenantId: north.id, action: 'UPDATE_TENANT_LIMITS' })),
  ).toEqual(
    newestFirst(
      done.filter((row) => row.tenant === north.id && row.action === 'UPDATE_TENANT_LIMITS'),
    ),
  );
  expect(
    requestsOf(
      await wholeTrail(bob.token, {
        operatorId: alice.id,
        tenantId: south.id,
        outcome: 'SUCCEEDED',
      }),
    ),
  ).toEqual(
    newestFirst(done.filter((row) => row.operator === alice.id && row.tenant === south.id)),
  );
  expect(await wholeTrail(bob.token, { operatorId: alice.id, outcome: 'FAILED' })).toEqual([]);

  // A time window: from is inclusive, to exclusive, on the entries' own times.
  const southEntries = await wholeTrail(alice.token, { tenantId: south.id });
  const [settingsEntry, limitsEntry] = southEntries;
  expect(settingsEntry.action).toBe('UPDATE_TENANT_SETTINGS');
  expect(
    requestsOf(await wholeTrail(alice.token, { tenantId: south.id, from: settingsEntry.at })),
  ).toEqual([settingsEntry.requestId]);
  expect(
    requestsOf(await wholeTrail(alice.token, { tenantId: south.id, to: settingsEntry.at })),
  ).toEqual([limitsEntry.requestId]);
  expect(
    requestsOf(
      await wholeTrail(alice.token, {
        tenantId: south.id,
        from: limitsEntry.at,
        to: settingsEntry.at,
      }),
    ),
  ).toEqual([limitsEntry.requestId]);

  // Bad input is refused, naming the problem.
  const bad = async (variables: Record<string, unknown>) =>
    errorCode(await call(TRAIL, variables, { token: alice.token }));
  expect(await bad({ filter: { tenantId: 'north' } })).toBe('BAD_USER_INPUT');
  expect(await bad({ filter: { operatorId: '42' } })).toBe('BAD_USER_INPUT');
  expect(await bad({ filter: { from: settingsEntry.at, to: limitsEntry.at } })).toBe(
    'BAD_USER_INPUT',
  );
  expect(await bad({ filter: { from: 'yesterday' } })).toBe('BAD_USER_INPUT');
  expect(await bad({ after: 'not a cursor' })).toBe('BAD_USER_INPUT');
  expect(await bad({ filter: { action: 'DROP_DATABASE' } })).toBe('BAD_USER_INPUT');
}, 120_000);

test('a change commits with its entry: when the entry cannot be written, the change is undone', async () => {
  const operator = await newOperator();
  const tenant = await createTestTenant(admin, config);
  // Stands in for a failing insert (a full disk, a lost connection) for these requests only.
  await admin.query(`
    CREATE FUNCTION control.refuse_test_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.request_id LIKE 'refuse-%' THEN RAISE EXCEPTION 'entry refused by the test'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_test_entries BEFORE INSERT ON control.operator_actions
      FOR EACH ROW EXECUTE FUNCTION control.refuse_test_entries();`);
  try {
    const limits = `refuse-${randomUUID()}`;
    const refusedLimits = await call(
      LIMITS,
      { id: tenant.id, input: { maxUsers: 3 } },
      { token: operator.token, requestId: limits },
    );
    expect(errorCode(refusedLimits)).toBe('INTERNAL_SERVER_ERROR');
    const suspend = `refuse-${randomUUID()}`;
    const refusedSuspend = await call(
      SUSPEND,
      { id: tenant.id, r: 'never' },
      { token: operator.token, requestId: suspend },
    );
    expect(errorCode(refusedSuspend)).toBe('INTERNAL_SERVER_ERROR');
    const { rows } = await admin.query(
      'SELECT status, max_users FROM control.tenants WHERE id = $1',
      [tenant.id],
    );
    expect(rows).toEqual([{ status: 'ACTIVE', max_users: null }]);
    expect(await entriesOf(limits)).toEqual([]);
    expect(await entriesOf(suspend)).toEqual([]);
  } finally {
    await admin.query(`
      DROP TRIGGER refuse_test_entries ON control.operator_actions;
      DROP FUNCTION control.refuse_test_entries();`);
  }
});

test('pages neither skip nor repeat entries that differ by microseconds or not at all', async () => {
  const operator = await newOperator();
  // Entries within one millisecond, some at the very same time (as one transaction's would be);
  // the newest one failed.
  const times = [
    '2030-01-01T00:00:00.000100Z',
    '2030-01-01T00:00:00.000100Z',
    '2030-01-01T00:00:00.000100Z',
    '2030-01-01T00:00:00.000200Z',
    '2030-01-01T00:00:00.000900Z',
    '2030-01-01T00:00:00.001000Z',
  ];
  for (const [i, at] of times.entries())
    await admin.query(
      `INSERT INTO control.operator_actions (at, operator_id, action, outcome, request_id)
       VALUES ($1, $2, 'BACKUP_TENANT', $3, $4)`,
      [at, operator.id, i === times.length - 1 ? 'FAILED' : 'SUCCEEDED', requestId()],
    );
  const { rows } = await admin.query<{ id: string }>(
    'SELECT id FROM control.operator_actions WHERE operator_id = $1 ORDER BY at DESC, id DESC',
    [operator.id],
  );
  const expected = rows.map((row) => row.id);
  for (const size of [1, 2, 4]) {
    const nodes = await wholeTrail(operator.token, { operatorId: operator.id }, size);
    expect(nodes.map((node) => node.id)).toEqual(expected);
  }
  // A cursor made under another filter pages on from its entry, even one this filter excludes.
  const { edges } = await trail(operator.token, { filter: { operatorId: operator.id }, first: 1 });
  expect(edges[0].node.outcome).toBe('FAILED');
  const succeeded = await trail(operator.token, {
    filter: { operatorId: operator.id, outcome: 'SUCCEEDED' },
    first: 100,
    after: edges[0].cursor,
  });
  expect(succeeded.edges.map((edge) => edge.node.id)).toEqual(expected.slice(1));
});

/**
 * Read replicas. A second database, copied from the primary at one moment (CREATE DATABASE …
 * TEMPLATE), stands in for a replica that has not caught up: whatever is written to the primary
 * after the copy is missing there, so each read shows where it went.
 */
import pg from 'pg';
import pino from 'pino';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { PrismaClient as ControlClient } from '../../../prisma/tenant/generated/client';
import {
  DataPlatform,
  qualified,
  quoteIdent,
  ReadConsistency,
  WriteMarks,
  type Principal,
} from '../src';
import {
  createTestDatabase,
  createTestRedis,
  createTestTenant,
  migrateControlPlane,
  testConfig,
  until,
  type TestDatabase,
  type TestRedis,
  type TestTenant,
} from '../testing';

const silent = pino({ level: 'silent' });
const ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let db: TestDatabase;
let replicaUrl: string;
let replicaName: string;
let tenant: TestTenant;
let testRedis: TestRedis;
let marks: WriteMarks;
let platform: DataPlatform;

const session = (sessionId: string): Principal => ({
  kind: 'user',
  userId: '00000000-0000-4000-8000-000000000001',
  tenantId: tenant.id,
  tenantSlug: 'replica-corp',
  roles: ['OWNER'],
  sessionId,
});

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('ts_replicas');
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const config = testConfig({ DATABASE_URL: db.url });
  await migrateControlPlane(admin, config);
  tenant = await createTestTenant(admin, config, 'replica-corp');
  await admin.end();
  // The "replica": the primary as it is now. A template must have no other connections.
  replicaName = `${db.name}_replica`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(replicaName)} TEMPLATE ${quoteIdent(db.name)}`);
  const url = new URL(db.url);
  url.pathname = `/${replicaName}`;
  replicaUrl = url.toString();
  testRedis = createTestRedis('replicas');
  // A short window, so that the test can see a mark run out.
  marks = new WriteMarks(testRedis.redis, testRedis.prefix, 300);
  platform = new DataPlatform(
    testConfig({
      DATABASE_URL: db.url,
      DATABASE_REPLICA_URLS: replicaUrl,
      TENANT_DIRECTORY_TTL_MS: '0',
    }),
    silent,
  );
  // Written after the copy: on the primary only.
  const primary = await platform
    .tenantClients((adapter) => new AuthClient({ adapter }))
    .forTenant(tenant.id);
  await primary.account.create({ data: { email: 'after-copy@replica.test' } });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await testRedis?.close();
  if (replicaName)
    await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(replicaName)} WITH (FORCE)`);
  await db?.drop();
});

const emailsVia = async (client: AuthClient) =>
  (await client.account.findMany({ select: { email: true } })).map(({ email }) => email).sort();

test('lag-tolerant reads go to the replica; a session that wrote reads the primary until its mark runs out', async () => {
  const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
  const onPrimary = [tenant.owner.email, 'after-copy@replica.test'].sort();
  const onReplica = [tenant.owner.email];

  // A query of a session that has not written: the replica (stale, so it lacks the new row).
  const reader = new ReadConsistency(session('s-reader'), marks);
  expect(await emailsVia(await accounts.forReading(tenant.id, reader))).toEqual(onReplica);
  // Reads that must be current always take the primary.
  expect(await emailsVia(await accounts.forTenant(tenant.id))).toEqual(onPrimary);

  // A mutation: its own reads go to the primary…
  const mutation = new ReadConsistency(session('s-writer'), marks);
  await mutation.noteWrite();
  expect(await emailsVia(await accounts.forReading(tenant.id, mutation))).toEqual(onPrimary);
  // …and so do the session's next requests, in any service, while the mark lasts.
  const next = new ReadConsistency(session('s-writer'), marks);
  expect(await emailsVia(await accounts.forReading(tenant.id, next))).toEqual(onPrimary);
  // Other sessions are not held back by it.
  const other = new ReadConsistency(session('s-other'), marks);
  expect(await emailsVia(await accounts.forReading(tenant.id, other))).toEqual(onReplica);

  // Once the mark has run out, the writer's lists may lag again.
  await until(async () => !(await marks.recent(session('s-writer'))), 'the write mark to expire');
  const later = new ReadConsistency(session('s-writer'), marks);
  expect(await emailsVia(await accounts.forReading(tenant.id, later))).toEqual(onReplica);

  // Without write marks (a service that keeps none), nothing goes to a replica.
  const unmarked = new ReadConsistency(session('s-reader'), undefined);
  expect(await emailsVia(await accounts.forReading(tenant.id, unmarked))).toEqual(onPrimary);
});

test('a session is marked only where its data has a replica', async () => {
  const without = new DataPlatform(testConfig({ DATABASE_URL: db.url }), silent);
  try {
    const guarded = (platform: DataPlatform) =>
      new WriteMarks(testRedis.redis, testRedis.prefix, 60_000, (principal) =>
        platform.hasReplicas(principal),
      );
    await guarded(without).mark(session('s-no-replica'));
    expect(await marks.recent(session('s-no-replica'))).toBe(false);
    await guarded(platform).mark(session('s-with-replica'));
    expect(await marks.recent(session('s-with-replica'))).toBe(true);
  } finally {
    await without.close();
  }
});

test("the control plane's lag-tolerant reads use the primary cluster's replica", async () => {
  const replica = platform.controlReplicaClient((adapter) => new ControlClient({ adapter }))!;
  expect(replica).toBeDefined();
  await platform.controlPool.query(
    `UPDATE ${qualified('control', 'tenants')} SET name = 'Renamed after the copy' WHERE id = $1`,
    [tenant.id],
  );
  const fromReplica = await replica.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
  expect(fromReplica.name).not.toBe('Renamed after the copy');
});

test('a cluster named in the control plane brings its own replicas', async () => {
  // Move the tenant to a cluster whose primary is the same database but named explicitly, with
  // the copy as its replica (DATABASE_REPLICA_URLS covers only the primary cluster's NULL URL).
  const { rows } = await platform.controlPool.query<{ id: string }>(
    `INSERT INTO ${qualified('control', 'db_clusters')} (name, connection_url, replica_urls)
     VALUES ($1, $2, ARRAY[$3]) RETURNING id`,
    [`cluster-${Date.now()}`, db.url, replicaUrl],
  );
  await platform.controlPool.query(
    `UPDATE ${qualified('control', 'tenants')} SET cluster_id = $1 WHERE id = $2`,
    [rows[0].id, tenant.id],
  );
  const location = await platform.activeTenant(tenant.id);
  expect(location).toMatchObject({ connectionUrl: db.url, replicaUrls: [replicaUrl] });
  const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
  const reader = new ReadConsistency(session('s-cluster'), marks);
  expect(await emailsVia(await accounts.forReading(tenant.id, reader))).toEqual([
    tenant.owner.email,
  ]);
  expect((await emailsVia(await accounts.forTenant(tenant.id))).length).toBe(2);
});

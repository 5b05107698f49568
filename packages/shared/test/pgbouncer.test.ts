/**
 * The tenant data layer behind PgBouncer in transaction pooling mode, with ONE server connection
 * per login: every client's transactions, whatever the tenant, run on the same backend one after
 * another. A tenant's role and search_path must end with each transaction, or the next tenant (or
 * the service itself) would run in it.
 */
import pg from 'pg';
import pino from 'pino';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { DataPlatform } from '../src';
import {
  createTestDatabase,
  createTestTenant,
  migrateControlPlane,
  startPgBouncer,
  testConfig,
  type TestDatabase,
  type TestPgBouncer,
  type TestTenant,
} from '../testing';

const silent = pino({ level: 'silent' });
let db: TestDatabase;
let admin: pg.Pool;
let bouncer: TestPgBouncer;
let tenants: TestTenant[];
let platform: DataPlatform;

beforeAll(async () => {
  db = await createTestDatabase('ts_pgbouncer');
  admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const config = testConfig({ DATABASE_URL: db.url });
  await migrateControlPlane(admin, config);
  tenants = [];
  for (const slug of ['bounce-a', 'bounce-b', 'bounce-c'])
    tenants.push(await createTestTenant(admin, config, slug));
  const upstream = new URL(db.url);
  bouncer = await startPgBouncer({
    upstream: { host: upstream.hostname, port: Number(upstream.port) },
    users: ['postgres', config.TENANT_DB_USER],
    poolMode: 'transaction',
    poolSize: 1,
  });
  // Many client connections, one server connection per login behind them.
  platform = new DataPlatform(
    testConfig({
      DATABASE_URL: bouncer.url(db.name),
      DB_POOL_MAX: '8',
      TENANT_DIRECTORY_TTL_MS: '0',
    }),
    silent,
  );
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await bouncer?.close();
  await admin?.end();
  await db?.drop();
});

test('interleaved tenants on one server connection each see only their own schema', async () => {
  const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
  const emails = async (tenant: TestTenant) => {
    const client = await accounts.forTenant(tenant.id);
    return (await client.account.findMany({ select: { email: true } })).map(({ email }) => email);
  };
  // 3 tenants × 20 concurrent reads, plus interactive transactions, all through one backend.
  const reads = Array.from({ length: 60 }, (_, i) => tenants[i % 3]);
  const seen = await Promise.all(reads.map((tenant) => emails(tenant)));
  seen.forEach((list, i) => expect(list).toEqual([reads[i].owner.email]));

  const written = await Promise.all(
    tenants.map(async (tenant, i) => {
      const client = await accounts.forTenant(tenant.id);
      return client.$transaction(async (tx) => {
        const created = await tx.account.create({ data: { email: `tx${i}@bounce.test` } });
        // Raw SQL inside the transaction: unqualified names resolve to this tenant's schema.
        const [{ schema }] = await tx.$queryRaw<
          { schema: string }[]
        >`SELECT current_schema() AS schema`;
        return { created: created.email, schema };
      });
    }),
  );
  expect(written).toEqual(
    tenants.map((tenant, i) => ({ created: `tx${i}@bounce.test`, schema: tenant.schemaName })),
  );
  for (const [i, tenant] of tenants.entries())
    expect((await emails(tenant)).sort()).toEqual(
      [tenant.owner.email, `tx${i}@bounce.test`].sort(),
    );

  // It really was one backend per login, and PgBouncer carried the transactions.
  const pools = (await bouncer.show('POOLS')).filter((row) => row.database === db.name);
  for (const row of pools)
    expect(Number(row.sv_active) + Number(row.sv_idle)).toBeLessThanOrEqual(1);
  const stats = (await bouncer.show('STATS')).find((row) => row.database === db.name);
  expect(Number(stats?.total_xact_count)).toBeGreaterThan(60);
});

test("after a tenant's transaction, the same backend runs as the login again", async () => {
  const tenantPool = platform.pools.tenantPool(platform.config.DATABASE_URL);
  const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
  const client = await accounts.forTenant(tenants[0].id);
  await client.account.count();
  // Straight on the shared tenant pool (not through a tenant's scope): no tenant's role is left.
  const { rows } = await tenantPool.query<{ role: string; path: string; backend: number }>(
    "SELECT current_user AS role, current_setting('search_path') AS path, pg_backend_pid() AS backend",
  );
  expect(rows[0].role).toBe(platform.config.TENANT_DB_USER);
  expect(rows[0].path).not.toContain(tenants[0].schemaName);
  // A tenant's failed statement ends its transaction too: the next tenant is not in an aborted one.
  const other = await accounts.forTenant(tenants[1].id);
  await expect(client.$queryRawUnsafe('SELECT * FROM no_such_table')).rejects.toThrow();
  expect(await other.account.count()).toBeGreaterThanOrEqual(1);
  // And a tenant's raw SQL cannot name another tenant's schema.
  await expect(
    client.$queryRawUnsafe(`SELECT email FROM "${tenants[1].schemaName}".accounts`),
  ).rejects.toThrow(/permission denied/);
});

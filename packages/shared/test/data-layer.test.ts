import pg from 'pg';
import pino from 'pino';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { AppError, DataPlatform, qualified, withSchema } from '../src';
import {
  createTestDatabase,
  createTestTenant,
  migrateControlPlane,
  testConfig,
  type TestDatabase,
  type TestTenant,
} from '../testing';

const silent = pino({ level: 'silent' });
let db: TestDatabase;
let admin: pg.Pool;
let tenantA: TestTenant;
let tenantB: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase('ts_datalayer');
  admin = new pg.Pool({ connectionString: db.url, max: 4 });
  const config = testConfig({ DATABASE_URL: db.url });
  await migrateControlPlane(admin, config);
  tenantA = await createTestTenant(admin, config, 'alpha-corp');
  tenantB = await createTestTenant(admin, config, 'beta-corp');
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

function platformFor(overrides: Record<string, string> = {}) {
  return new DataPlatform(testConfig({ DATABASE_URL: db.url, ...overrides }), silent);
}

describe('tenant data layer', () => {
  test('two tenant clients sharing one pool each see only their own schema', async () => {
    const platform = platformFor();
    try {
      const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
      const a = await accounts.forTenant(tenantA.id);
      const b = await accounts.forTenant(tenantB.id);
      expect(a).not.toBe(b);
      expect(platform.pools.all()).toHaveLength(1);

      await a.account.create({ data: { email: 'ann@alpha.test', roles: ['OWNER'] } });
      await b.account.create({ data: { email: 'bob@beta.test', roles: ['TRADER'] } });
      // Interleave reads on the same pool: each client stays in its own schema.
      const [fromA, fromB] = await Promise.all([a.account.findMany(), b.account.findMany()]);
      expect(fromA.map((x) => x.email)).toEqual(['ann@alpha.test']);
      expect(fromB.map((x) => x.email)).toEqual(['bob@beta.test']);
      // The same e-mail may exist in two tenants: uniqueness is per schema.
      await b.account.create({ data: { email: 'ann@alpha.test' } });
      expect(await a.account.count()).toBe(1);
      expect(await b.account.count()).toBe(2);

      // Raw SQL through the helper is confined to the schema it names.
      const raw = await withSchema(platform.controlPool, tenantA.schemaName, (client) =>
        client.query<{ email: string }>('SELECT email FROM accounts'),
      );
      expect(raw.rows.map((r) => r.email)).toEqual(['ann@alpha.test']);
      // The same client object is reused for the same tenant.
      expect(await accounts.forTenant(tenantA.id)).toBe(a);
    } finally {
      await platform.close();
    }
  });

  test('unknown, suspended and deleted tenants are refused before any schema is reached', async () => {
    const platform = platformFor({ TENANT_DIRECTORY_TTL_MS: '0' });
    const config = testConfig({ DATABASE_URL: db.url });
    const suspended = await createTestTenant(admin, config, 'gamma-corp');
    const deleted = await createTestTenant(admin, config, 'delta-corp');
    await admin.query(
      `UPDATE ${qualified('control', 'tenants')} SET status = 'SUSPENDED' WHERE id = $1`,
      [suspended.id],
    );
    await admin.query(
      `UPDATE ${qualified('control', 'tenants')} SET status = 'DELETED' WHERE id = $1`,
      [deleted.id],
    );
    try {
      const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: unknown) => (e instanceof AppError ? e.extensions.code : String(e)),
        );
      expect(await code(accounts.forTenant('00000000-0000-4000-8000-000000000000'))).toBe(
        'NOT_FOUND',
      );
      expect(await code(accounts.forTenant("x'; DROP SCHEMA control; --"))).toBe('NOT_FOUND');
      expect(await code(accounts.forTenant(suspended.id))).toBe('TENANT_SUSPENDED');
      expect(await code(accounts.forTenant(deleted.id))).toBe('NOT_FOUND');
      expect(accounts.size).toBe(0);
    } finally {
      await platform.close();
    }
  });

  test('creating and evicting 1,000 tenant clients leaks no listeners and never exceeds the pool', async () => {
    const poolMax = 5;
    const cacheMax = 40;
    const platform = platformFor({
      DB_POOL_MAX: String(poolMax),
      TENANT_CLIENT_CACHE_MAX: String(cacheMax),
    });
    try {
      const pool = platform.controlPool;
      let peak = 0;
      pool.on('connect', () => {
        peak = Math.max(peak, pool.totalCount);
      });
      // Node warns (MaxListenersExceededWarning) exactly when a count passes getMaxListeners().
      let peakErrorListeners = 0;
      (pool as NodeJS.EventEmitter).on('newListener', (event: string) => {
        if (event === 'error')
          peakErrorListeners = Math.max(peakErrorListeners, pool.listenerCount('error') + 1);
      });
      const baseListeners = pool.listenerCount('error');
      const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));

      // 1,000 distinct schemas, 25 at a time, each client really connecting and querying.
      const total = 1_000;
      for (let start = 0; start < total; start += 25) {
        await Promise.all(
          Array.from({ length: 25 }, async (_, i) => {
            const client = accounts.forLocation({
              schemaName: `t_probe_${start + i}`,
              connectionUrl: null,
            });
            const rows = await client.$queryRaw<{ one: number }[]>`SELECT 1 AS one`;
            expect(rows[0].one).toBe(1);
            peak = Math.max(peak, pool.totalCount);
          }),
        );
        expect(accounts.size).toBeLessThanOrEqual(cacheMax);
        expect(pool.listenerCount('error')).toBeLessThanOrEqual(baseListeners + cacheMax);
      }
      // A real model query still lands in the right schema after all that churn.
      const a = await accounts.forTenant(tenantA.id);
      expect((await a.account.findMany()).map((x) => x.email)).toEqual(['ann@alpha.test']);

      await accounts.clear();
      expect(accounts.size).toBe(0);
      expect(pool.listenerCount('error')).toBe(baseListeners);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(poolMax);
      expect(peakErrorListeners).toBeGreaterThan(cacheMax);
      expect(peakErrorListeners).toBeLessThanOrEqual(pool.getMaxListeners());
    } finally {
      await platform.close();
    }
  });

  test('the directory cache serves repeated lookups and forgets on invalidate', async () => {
    const platform = platformFor({ TENANT_DIRECTORY_TTL_MS: '60000' });
    try {
      const first = await platform.directory.lookup(tenantA.id);
      expect(first?.schemaName).toBe(tenantA.schemaName);
      await admin.query(
        `UPDATE ${qualified('control', 'tenants')} SET name = 'renamed' WHERE id = $1`,
        [tenantA.id],
      );
      await admin.query(
        `UPDATE ${qualified('control', 'tenants')} SET status = 'SUSPENDED' WHERE id = $1`,
        [tenantA.id],
      );
      expect((await platform.directory.lookup(tenantA.id))?.status).toBe('ACTIVE');
      platform.directory.invalidate(tenantA.id);
      expect((await platform.directory.lookup(tenantA.id))?.status).toBe('SUSPENDED');
    } finally {
      await admin.query(
        `UPDATE ${qualified('control', 'tenants')} SET status = 'ACTIVE' WHERE id = $1`,
        [tenantA.id],
      );
      await platform.close();
    }
  });
});

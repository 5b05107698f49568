import pg from 'pg';
import pino from 'pino';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { AppError, DataPlatform, qualified, withSchema, withTransaction } from '../src';
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
      // One service pool and one tenant pool for the cluster, shared by both tenants' clients.
      expect(platform.pools.all()).toHaveLength(2);

      await a.account.create({ data: { email: 'ann@alpha.test', roles: ['OWNER'] } });
      await b.account.create({ data: { email: 'bob@beta.test', roles: ['TRADER'] } });
      // Interleave reads on the same pool: each client stays in its own schema.
      const emails = async (client: typeof a) =>
        (await client.account.findMany({ orderBy: { email: 'asc' } })).map((x) => x.email);
      const [fromA, fromB] = await Promise.all([emails(a), emails(b)]);
      expect(fromA).toEqual(['ann@alpha.test', tenantA.owner.email]);
      expect(fromB).toEqual(['bob@beta.test', tenantB.owner.email]);
      // The same e-mail may exist in two tenants: uniqueness is per schema.
      await b.account.create({ data: { email: 'ann@alpha.test' } });
      expect(await a.account.count()).toBe(2);
      expect(await b.account.count()).toBe(3);

      // Raw SQL through the helper is confined to the schema it names.
      const raw = await withSchema(platform.controlPool, tenantA.schemaName, (client) =>
        client.query<{ email: string }>('SELECT email FROM accounts ORDER BY email'),
      );
      expect(raw.rows.map((r) => r.email)).toEqual(['ann@alpha.test', tenantA.owner.email]);
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

  test('a connection that dies in the middle of a transaction fails the transaction, not the process', async () => {
    // As when Postgres restarts: the server ends the session while a statement runs.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => undefined);
    try {
      const transaction = withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        setTimeout(() => void admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]), 100);
        await client.query('SELECT pg_sleep(5)');
      });
      await expect(transaction).rejects.toThrow('terminating connection');
      // The dead connection went; the pool makes a new one.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  test('a slug whose tenant is gone finds the tenant that has it now, without an invalidation', async () => {
    // A provisioning run died holding the slug; five minutes on, a retry reclaimed it (new id).
    const platform = platformFor({ TENANT_DIRECTORY_TTL_MS: '0' });
    const config = testConfig({ DATABASE_URL: db.url });
    const dead = await createTestTenant(admin, config, 'epsilon-corp');
    try {
      expect((await platform.directory.lookupSlug('epsilon-corp'))?.id).toBe(dead.id);
      await admin.query(`DELETE FROM ${qualified('control', 'tenants')} WHERE id = $1`, [dead.id]);
      expect(await platform.directory.lookupSlug('epsilon-corp')).toBeNull();
      const { rows } = await admin.query<{ id: string }>(
        `INSERT INTO ${qualified('control', 'tenants')} (id, slug, name, status, schema_name, cluster_id)
         SELECT gen_random_uuid(), 'epsilon-corp', 'Epsilon again', 'ACTIVE', $1, cluster_id
           FROM ${qualified('control', 'tenants')} WHERE id = $2
         RETURNING id`,
        [`${dead.schemaName}`, tenantA.id],
      );
      expect((await platform.directory.lookupSlug('epsilon-corp'))?.id).toBe(rows[0].id);
    } finally {
      await platform.close();
    }
  });

  test('creating and evicting 1,000 tenant clients leaks no listeners and never exceeds the pool', async () => {
    const poolMax = 5;
    const cacheMax = 10;
    const platform = platformFor({
      DB_POOL_MAX: String(poolMax),
      TENANT_CLIENT_CACHE_MAX: String(cacheMax),
    });
    const config = testConfig({ DATABASE_URL: db.url });
    const tenants = [tenantA, tenantB];
    while (tenants.length < 50) tenants.push(await createTestTenant(admin, config));
    try {
      const pool = platform.pools.tenantPool(db.url);
      let peak = 0;
      pool.on('connect', () => {
        peak = Math.max(peak, pool.totalCount);
      });
      // Node warns (MaxListenersExceededWarning) exactly when a count passes getMaxListeners().
      let peakListeners = 0;
      (pool as NodeJS.EventEmitter).on('newListener', () => {
        peakListeners = Math.max(peakListeners, pool.listenerCount('error') + 1);
      });
      const baseListeners = pool.listenerCount('error');
      let created = 0;
      let disposed = 0;
      const scopedPools: NodeJS.EventEmitter[] = [];
      const accounts = platform.tenantClients((adapter) => {
        created++;
        // The adapter's pool is the client's own TenantScopedPool; its listener must go on dispose.
        scopedPools.push(
          (adapter as unknown as { externalPool: NodeJS.EventEmitter }).externalPool,
        );
        const client = new AuthClient({ adapter });
        const disconnect = client.$disconnect.bind(client);
        return Object.assign(client, {
          $disconnect: async () => {
            disposed++;
            await disconnect();
          },
        });
      });

      // 50 tenants round-robin through a cache of 10: every request builds a client and evicts one.
      for (let round = 0; round < 20; round++) {
        for (let start = 0; start < tenants.length; start += 10) {
          await Promise.all(
            tenants.slice(start, start + 10).map(async (tenant) => {
              const client = await accounts.forTenant(tenant.id);
              const owner = await client.account.findUnique({ where: { id: tenant.owner.id } });
              expect(owner?.email).toBe(tenant.owner.email);
              peak = Math.max(peak, pool.totalCount);
            }),
          );
          expect(accounts.size).toBeLessThanOrEqual(cacheMax);
        }
      }
      expect(created).toBe(1_000);
      // Every client but the cached ones was disposed, and each disposed one let go of its pool.
      await new Promise((resolve) => setImmediate(resolve));
      expect(disposed).toBe(created - accounts.size);
      const listening = scopedPools.filter((p) => p.listenerCount('error') > 0).length;
      expect(listening).toBeLessThanOrEqual(accounts.size);
      await accounts.clear();
      expect(disposed).toBe(created);
      expect(scopedPools.filter((p) => p.listenerCount('error') > 0)).toEqual([]);
      expect(accounts.size).toBe(0);
      // Adapters listen on their own scoped pool, never on the shared one.
      expect(pool.listenerCount('error')).toBe(baseListeners);
      expect(peakListeners).toBeLessThanOrEqual(pool.getMaxListeners());
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(poolMax);
    } finally {
      await platform.close();
    }
  }, 240_000);

  test("raw SQL in tenant A's database session cannot read tenant B's tables or the control plane", async () => {
    const platform = platformFor();
    try {
      const sessionA = platform.tenantSessionPool({
        schemaName: tenantA.schemaName,
        connectionUrl: null,
      });
      const own = await sessionA.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
      expect(Number(own.rows[0].n)).toBeGreaterThan(0);
      const refusal = (sql: string) =>
        sessionA.query(sql).then(
          () => 'allowed',
          (error: { code?: string }) => error.code,
        );
      // 42501 is insufficient_privilege: Postgres itself refuses.
      expect(await refusal(`SELECT * FROM ${qualified(tenantB.schemaName, 'accounts')}`)).toBe(
        '42501',
      );
      expect(await refusal(`SELECT * FROM ${qualified('control', 'tenants')}`)).toBe('42501');
      expect(
        await refusal(`SELECT * FROM ${qualified(tenantA.schemaName, '_prisma_migrations')}`),
      ).toBe('42501');
      // Another schema on the search_path is skipped for lack of USAGE: the table is not found.
      expect(
        await refusal(`SET search_path TO ${tenantB.schemaName}; SELECT * FROM accounts`),
      ).toBe('42P01');
      // A later checkout is back in tenant A's scope, whatever the last statement changed.
      const again = await sessionA.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
      expect(again.rows[0].n).toBe(own.rows[0].n);
      // Dropping the tenant role leaves the NOINHERIT login with no privileges at all.
      expect(
        await refusal(`RESET ROLE; SELECT * FROM ${qualified(tenantB.schemaName, 'accounts')}`),
      ).toBe('42501');
      expect(
        await refusal(`RESET ROLE; SELECT * FROM ${qualified(tenantA.schemaName, 'accounts')}`),
      ).toBe('42501');
      expect(await refusal(`SELECT * FROM ${qualified(tenantB.schemaName, 'accounts')}`)).toBe(
        '42501',
      );

      // Shared control-plane rows are filtered by RLS: a tenant role sees its own tenant's only.
      for (const tenant of [tenantA, tenantB, tenantB]) {
        await admin.query(
          `INSERT INTO ${qualified('control', 'tenant_backups')} (tenant_id, status) VALUES ($1, 'COMPLETED')`,
          [tenant.id],
        );
      }
      const backups = await sessionA.query<{ tenant_id: string }>(
        `SELECT tenant_id FROM ${qualified('control', 'tenant_backups')}`,
      );
      expect(backups.rows.map((r) => r.tenant_id)).toEqual([tenantA.id]);
      // The policy names the tenant by its role, so no session setting widens it.
      const widened = (await sessionA.query(
        `SET tradesage.tenant_id = '${tenantB.id}'; SELECT tenant_id FROM ${qualified('control', 'tenant_backups')}`,
      )) as unknown as { rows: { tenant_id: string }[] }[];
      expect(widened[1].rows.map((r) => r.tenant_id)).toEqual([tenantA.id]);
      // No temporary tables that could outlive the checkout and shadow another tenant's names.
      expect(await refusal('CREATE TEMP TABLE accounts (email text)')).toBe('42501');
      // Writing is not granted at all.
      expect(await refusal(`DELETE FROM ${qualified('control', 'tenant_backups')}`)).toBe('42501');

      // The same holds for a Prisma client's raw queries, and after a Prisma transaction.
      const clientA = platform
        .tenantClients((adapter) => new AuthClient({ adapter }))
        .forLocation({
          schemaName: tenantA.schemaName,
          connectionUrl: null,
        });
      await clientA.$transaction(async (tx) => tx.account.count());
      const raw = await clientA
        .$queryRawUnsafe(`SELECT email FROM ${qualified(tenantB.schemaName, 'accounts')}`)
        .then(
          () => 'allowed',
          (error: Error) => error.message,
        );
      expect(raw).toMatch(/permission denied/);
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

import pg from 'pg';
import { qualified, type SubgraphDeps } from '@tradesage/shared';
import { createTestDatabase, type TestDatabase } from '@tradesage/shared/testing';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import type { TenantServices } from '../src/data';
import { startTenantServiceEnv, type TenantServiceEnv } from './support';

let env: TenantServiceEnv;
let secondary: TestDatabase;
let admin: pg.Pool;
let secondaryAdmin: pg.Pool;
let deps: SubgraphDeps;
let services: TenantServices;

beforeAll(async () => {
  env = await startTenantServiceEnv('ts_cluster_a');
  ({ admin, deps, services } = env);
  // A second database stands in for a second Postgres cluster.
  secondary = await createTestDatabase('ts_cluster_b');
  secondaryAdmin = new pg.Pool({ connectionString: secondary.url, max: 3 });
  await admin.query(
    `INSERT INTO ${qualified('control', 'db_clusters')} (name, connection_url, capacity) VALUES ('secondary', $1, 1000)`,
    [secondary.url],
  );
});
afterAll(async () => {
  await env.close();
  await secondaryAdmin.end();
  await secondary.drop();
});

const schemasIn = async (pool: pg.Pool) =>
  (
    await pool.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY 1`,
    )
  ).rows.map((r) => r.nspname);

test('new tenants go to the least-loaded cluster, and the data layer routes each to its cluster', async () => {
  const created = [];
  for (let i = 0; i < 6; i++) {
    const { tenant } = await services.provisioner.create({
      slug: `placed-${i}`,
      name: `Placed ${i}`,
      plan: 'FREE',
      owner: { email: `owner${i}@placed.test`, name: `Owner ${i}` },
    });
    created.push(tenant);
  }
  const clusters = await admin.query<{ name: string; id: string }>(
    `SELECT name, id FROM ${qualified('control', 'db_clusters')}`,
  );
  const nameOf = new Map(clusters.rows.map((c) => [c.id, c.name]));
  // Same capacity: the clusters take turns.
  expect(created.map((t) => nameOf.get(t.clusterId))).toEqual([
    'primary',
    'secondary',
    'primary',
    'secondary',
    'primary',
    'secondary',
  ]);

  const onSecondary = created
    .filter((t) => nameOf.get(t.clusterId) === 'secondary')
    .map((t) => t.schemaName)
    .sort();
  const onPrimary = created
    .filter((t) => nameOf.get(t.clusterId) === 'primary')
    .map((t) => t.schemaName)
    .sort();
  expect(await schemasIn(secondaryAdmin)).toEqual(onSecondary);
  expect(await schemasIn(admin)).toEqual(onPrimary);

  // A tenant client reaches the tenant's own cluster: a write through it lands in that database.
  const accounts = deps.platform.tenantClients((adapter) => new AuthClient({ adapter }));
  const remote = created[1];
  await (
    await accounts.forTenant(remote.id)
  ).account.create({ data: { email: 'routed@placed.test' } });
  const { rows } = await secondaryAdmin.query(
    `SELECT email FROM ${qualified(remote.schemaName, 'accounts')} WHERE email = 'routed@placed.test'`,
  );
  expect(rows).toHaveLength(1);

  // The share of capacity in use decides: a full cluster takes no more tenants.
  await admin.query(
    `UPDATE ${qualified('control', 'db_clusters')} SET capacity = 3 WHERE name = 'secondary'`,
  );
  const next = await services.provisioner.create({
    slug: 'placed-full',
    name: 'Full',
    plan: 'FREE',
    owner: { email: 'o@placed.test', name: 'O' },
  });
  expect(nameOf.get(next.tenant.clusterId)).toBe('primary');
});

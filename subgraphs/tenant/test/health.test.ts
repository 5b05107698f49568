import type pg from 'pg';
import { qualified, type BusEvents, type SubgraphDeps } from '@tradesage/shared';
import type { TenantServices } from '../src/data';
import { startTenantServiceEnv, type TenantServiceEnv } from './support';

let admin: pg.Pool;
let deps: SubgraphDeps;
let services: TenantServices;

let env: TenantServiceEnv;

beforeAll(async () => {
  env = await startTenantServiceEnv('ts_health');
  ({ admin, deps, services } = env);
});
afterAll(() => env.close());

async function provision(slug: string) {
  return (
    await services.provisioner.create({
      slug,
      name: slug,
      plan: 'FREE',
      owner: { email: `o@${slug}.test`, name: 'O' },
    })
  ).tenant;
}

test('health: HEALTHY when current, DEGRADED with a pending migration, DOWN without its schema', async () => {
  const tenant = await provision('healthy-one');
  const withCluster = await services.tenantWithCluster(tenant.id);
  const healthy = await services.health.check(withCluster);
  expect(healthy).toMatchObject({ tenantId: tenant.id, status: 'HEALTHY', activeSessions: 0 });
  expect(healthy.dbLatencyMs).toBeGreaterThan(0);
  expect(healthy.schemaVersion).toMatch(/^\d{14}_/);

  const latest = healthy.schemaVersion!;
  await admin.query(
    `DELETE FROM ${qualified(tenant.schemaName, '_prisma_migrations')} WHERE migration_name = $1`,
    [latest],
  );
  expect((await services.health.check(withCluster)).status).toBe('DEGRADED');

  await admin.query(`DROP SCHEMA ${tenant.schemaName} CASCADE`);
  const down = await services.health.check(withCluster);
  expect(down).toMatchObject({ status: 'DOWN', dbLatencyMs: null });
});

test('health events: published on lifecycle changes and by one replica per interval', async () => {
  const tenant = await provision('watched-one');
  const events: BusEvents['tenant.health'][] = [];
  const iterator = deps.bus.iterate('tenant.health', (event) => event.tenantId === tenant.id);
  const reading = (async () => {
    for await (const event of iterator) {
      events.push(event);
      if (events.length === 3) break;
    }
  })();
  // Let the subscription reach Redis before publishing.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await services.transition(tenant.id, 'suspend', 'review'); // event 1
  await services.transition(tenant.id, 'resume'); // event 2
  // Two replicas reach the same interval: one of them checks every active tenant (event 3).
  const outcomes = await Promise.all([services.health.runSlot(42), services.health.runSlot(42)]);
  expect(outcomes.sort()).toEqual(['ran', 'skipped']);
  await reading;
  expect(events).toHaveLength(3);
  expect(events.every((event) => event.tenantId === tenant.id && event.status === 'HEALTHY')).toBe(
    true,
  );
}, 20_000);

test('a tenantHealth stream ends when its tenant is suspended', async () => {
  const tenant = await provision('watched-two');
  const stream = services.watchHealth(tenant.id);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await services.health.publish(tenant.id);
  expect((await stream.next()).value).toMatchObject({ tenantId: tenant.id });
  await services.transition(tenant.id, 'suspend', 'review');
  // The suspension's own health event may come first; the stream then ends.
  let result = await stream.next();
  if (!result.done) result = await stream.next();
  expect(result.done).toBe(true);
});

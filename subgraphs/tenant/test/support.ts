import pg from 'pg';
import pino from 'pino';
import { closeSubgraphDeps, createSubgraphDeps, type SubgraphDeps } from '@tradesage/shared';
import {
  createTestDatabase,
  migrateControlPlane,
  testConfig,
  uniqueName,
  type TestDatabase,
} from '@tradesage/shared/testing';
import { createServices, type TenantServices } from '../src/data';

/** The tenant service's data layer on a database of its own, as its integration tests use it. */
export interface TenantServiceEnv {
  db: TestDatabase;
  admin: pg.Pool;
  deps: SubgraphDeps;
  services: TenantServices;
  close(): Promise<void>;
}

export async function startTenantServiceEnv(
  name: string,
  overrides: Record<string, string> = {},
): Promise<TenantServiceEnv> {
  const db = await createTestDatabase(name);
  const admin = new pg.Pool({ connectionString: db.url, max: 3 });
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: `${uniqueName(name)}:`,
    ...overrides,
  });
  await migrateControlPlane(admin, config);
  const deps = createSubgraphDeps(config, pino({ level: 'silent' }), 'tenant-test');
  const services = createServices(deps);
  return {
    db,
    admin,
    deps,
    services,
    async close() {
      await closeSubgraphDeps(deps);
      await admin.end();
      await db.drop();
    },
  };
}

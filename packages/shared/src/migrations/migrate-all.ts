import type pg from 'pg';
import type { Config } from '../config';
import type { DataPlatform } from '../db/platform';
import { qualified, withTransaction } from '../db/sql';
import { grantTenantRole } from '../db/tenant-schema';
import { loadMigrations } from './catalog';
import { migrateSchema } from './runner';

export interface TenantMigrationResult {
  tenantId: string;
  slug: string;
  schema: string;
  ok: boolean;
  applied: string[];
  error?: string;
  ms: number;
}

export interface MigrateAllProgress {
  done: number;
  total: number;
  failed: number;
  last: TenantMigrationResult;
}

/** Runs fn over items with at most `concurrency` at a time, in order of start. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

interface TenantRow {
  id: string;
  slug: string;
  schemaName: string;
  connectionUrl: string | null;
}

/**
 * Applies pending tenant-plane migrations to every tenant that is not deleted or still being
 * provisioned, `concurrency` tenants at a time. One tenant's failure does not stop the others;
 * since each migration commits on its own, a re-run resumes where the last one stopped.
 */
export async function migrateAllTenants(
  platform: DataPlatform,
  config: Pick<Config, 'PRISMA_DIR' | 'CONTROL_SCHEMA'>,
  options: { concurrency: number; onProgress?: (progress: MigrateAllProgress) => void },
): Promise<TenantMigrationResult[]> {
  const migrations = loadMigrations(config.PRISMA_DIR, 'tenant');
  const { rows: tenants } = await platform.controlPool.query<TenantRow>(
    `SELECT t.id, t.slug, t.schema_name AS "schemaName", c.connection_url AS "connectionUrl"
       FROM ${qualified(config.CONTROL_SCHEMA, 'tenants')} t
       JOIN ${qualified(config.CONTROL_SCHEMA, 'db_clusters')} c ON c.id = t.cluster_id
      WHERE t.status IN ('ACTIVE', 'SUSPENDED')
      ORDER BY t.created_at, t.id`,
  );
  let done = 0;
  let failed = 0;
  return mapWithConcurrency(tenants, options.concurrency, async (tenant) => {
    const started = Date.now();
    const pool: pg.Pool = platform.poolFor(tenant);
    let result: TenantMigrationResult;
    try {
      const { applied } = await migrateSchema(pool, tenant.schemaName, migrations);
      // Default privileges cover new tables; granting every time (it is idempotent) also repairs a
      // run whose grants failed after its migrations had committed.
      await withTransaction(pool, (client) => grantTenantRole(client, tenant.schemaName));
      result = {
        tenantId: tenant.id,
        slug: tenant.slug,
        schema: tenant.schemaName,
        ok: true,
        applied,
        ms: Date.now() - started,
      };
    } catch (error) {
      failed++;
      result = {
        tenantId: tenant.id,
        slug: tenant.slug,
        schema: tenant.schemaName,
        ok: false,
        applied: [],
        error: (error as Error).message,
        ms: Date.now() - started,
      };
    }
    done++;
    options.onProgress?.({ done, total: tenants.length, failed, last: result });
    return result;
  });
}

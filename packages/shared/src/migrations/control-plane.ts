import type pg from 'pg';
import type { Config } from '../config';
import { quoteIdent } from '../db/identifiers';
import { withTransaction } from '../db/sql';
import { revokeTemporaryFromPublic } from '../db/tenant-schema';
import { loadMigrations } from './catalog';
import { migrateSchema, type MigrationResult } from './runner';

/**
 * The login that tenant connections use. It holds no privileges of its own and does not inherit
 * those of the tenant roles it belongs to (NOINHERIT), so it can do nothing until it has taken a
 * tenant's role, and `RESET ROLE` leaves it with nothing.
 */
export async function ensureTenantLogin(
  pool: pg.Pool,
  config: Pick<Config, 'TENANT_DB_USER'>,
): Promise<void> {
  const role = config.TENANT_DB_USER;
  const { rows } = await pool.query<{ inherit: boolean; superuser: boolean }>(
    'SELECT rolinherit AS inherit, rolsuper AS superuser FROM pg_roles WHERE rolname = $1',
    [role],
  );
  if (rows.length === 0) {
    try {
      await pool.query(`CREATE ROLE ${quoteIdent(role)} LOGIN NOINHERIT`);
    } catch (error) {
      // Another process created it at the same moment.
      if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  } else if (rows[0].inherit || rows[0].superuser) {
    throw new Error(
      `TENANT_DB_USER ${role} must be a NOINHERIT, non-superuser login, or tenant isolation is void`,
    );
  }
}

/** Brings the control plane up to date and makes sure the tenant login exists. */
export async function migrateControlPlane(pool: pg.Pool, config: Config): Promise<MigrationResult> {
  await ensureTenantLogin(pool, config);
  await withTransaction(pool, revokeTemporaryFromPublic);
  return migrateSchema(pool, config.CONTROL_SCHEMA, loadMigrations(config.PRISMA_DIR, 'control'));
}

import type pg from 'pg';
import type { Migration, ProvisionScript } from '../migrations/catalog';
import { migrateSchemaInTransaction } from '../migrations/runner';
import { quoteIdent, quoteLiteral, tenantRoleName } from './identifiers';
import { qualified } from './sql';

/**
 * Privileges of a tenant's role: data in its own schema, nothing else. The migration history
 * stays out of its reach. Safe to run again after new migrations or a restore.
 */
export function tenantRoleGrants(schema: string): string[] {
  const role = quoteIdent(tenantRoleName(schema));
  const s = quoteIdent(schema);
  return [
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}`,
    `REVOKE ALL ON ${qualified(schema, '_prisma_migrations')} FROM ${role}`,
    // Tables that later migrations create (as the same login) get the same grants.
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
    // Tables a migration marks 'append-only' (the audit trail) take inserts and reads only.
    `DO $grants$ DECLARE t text; BEGIN
       FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ${quoteLiteral(schema)} AND c.relkind = 'r'
                   AND obj_description(c.oid, 'pg_class') = 'append-only'
       LOOP
         EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.%I FROM %I', ${quoteLiteral(schema)}, t, ${quoteLiteral(tenantRoleName(schema))});
       END LOOP;
     END $grants$`,
    // One exception: the columns of an append-only table commented 'pseudonymisable' (who did
    // what, and from where) may be updated, and the table's trigger narrows that to replacing an
    // erased user's id with their pseudonym (docs/privacy.md). The REVOKE above took any earlier
    // column grant, so this runs after it.
    `DO $grants$ DECLARE t text; c text; BEGIN
       FOR t, c IN SELECT cl.relname, a.attname FROM pg_attribute a
                     JOIN pg_class cl ON cl.oid = a.attrelid
                     JOIN pg_namespace n ON n.oid = cl.relnamespace
                    WHERE n.nspname = ${quoteLiteral(schema)} AND cl.relkind = 'r'
                      AND obj_description(cl.oid, 'pg_class') = 'append-only'
                      AND col_description(cl.oid, a.attnum) = 'pseudonymisable'
                      AND a.attnum > 0 AND NOT a.attisdropped
       LOOP
         EXECUTE format('GRANT UPDATE (%I) ON %I.%I TO %I', c, ${quoteLiteral(schema)}, t, ${quoteLiteral(tenantRoleName(schema))});
       END LOOP;
     END $grants$`,
  ];
}

export async function grantTenantRole(client: pg.ClientBase, schema: string): Promise<void> {
  for (const statement of tenantRoleGrants(schema)) await client.query(statement);
}

/**
 * No temporary tables for tenant connections: a temp table left on a pooled connection would
 * shadow names in the next tenant's raw SQL (pg_temp is searched first). Done once per database;
 * the check keeps concurrent provisioning from updating the database's row at the same time.
 */
export async function revokeTemporaryFromPublic(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ granted: boolean }>(
    `SELECT has_database_privilege('public', current_database(), 'TEMPORARY') AS granted`,
  );
  if (rows[0].granted) {
    await client.query(
      `DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$`,
    );
  }
}

/** Every tenant role belongs to this group, which RLS policies on shared control tables name. */
export const TENANT_ROLES_GROUP = 'tradesage_tenant_roles';

export interface TenantSchemaPlan {
  schema: string;
  /** The login of tenant connections, which becomes a member of the new role. */
  tenantLogin: string;
  migrations: readonly Migration[];
  provisionScripts: readonly ProvisionScript[];
  /** The provisioning document each owner's provision.sql reads as $1. */
  seed: Record<string, unknown>;
}

/**
 * Creates a tenant's role and schema, applies every tenant-plane migration, grants the role its
 * privileges and runs each owner's seed. Must run inside the caller's transaction, so that a
 * failure anywhere leaves neither schema nor role behind (both are transactional in Postgres).
 */
export async function createTenantSchema(
  client: pg.ClientBase,
  plan: TenantSchemaPlan,
): Promise<void> {
  const role = quoteIdent(tenantRoleName(plan.schema));
  await client.query(`CREATE ROLE ${role} NOLOGIN`);
  // Tenant connections log in as tenantLogin and SET ROLE to this role; membership allows it.
  await client.query(`GRANT ${role} TO ${quoteIdent(plan.tenantLogin)}`);
  // Row-level access to shared control-plane tables, where the control migrations made the group.
  const group = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
    TENANT_ROLES_GROUP,
  ]);
  if (group.rowCount) await client.query(`GRANT ${quoteIdent(TENANT_ROLES_GROUP)} TO ${role}`);
  await client.query(`CREATE SCHEMA ${quoteIdent(plan.schema)}`);
  await migrateSchemaInTransaction(client, plan.schema, plan.migrations);
  await grantTenantRole(client, plan.schema);
  await client.query(`SET LOCAL search_path TO ${quoteIdent(plan.schema)}`);
  const document = JSON.stringify(plan.seed);
  for (const script of plan.provisionScripts) {
    try {
      await client.query(script.sql, [document]);
    } catch (error) {
      throw new Error(
        `Provisioning script of ${script.owner} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** Drops a tenant's schema and role. Idempotent. */
export async function dropTenantSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const roleName = tenantRoleName(schema);
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [roleName]);
  if (rowCount) {
    // Privileges the role holds in this database (default privileges included) go first.
    await client.query(`DROP OWNED BY ${quoteIdent(roleName)}`);
    await client.query(`DROP ROLE ${quoteIdent(roleName)}`);
  }
}

-- Control-plane tables that hold rows of many tenants are readable by tenant database roles
-- row by row only: a tenant's role (t_<hex>_rw) sees its own tenant's rows and no others.
-- Every tenant role is a member of tradesage_tenant_roles (granted at provisioning).
DO $$ BEGIN
    CREATE ROLE "tradesage_tenant_roles" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- made already, or by a concurrent run
END $$;
DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO "tradesage_tenant_roles"', current_schema()); END $$;

GRANT SELECT ON "tenant_backups" TO "tradesage_tenant_roles";
ALTER TABLE "tenant_backups" ENABLE ROW LEVEL SECURITY;
-- The owner (the service login) is not subject to RLS; tenant roles are, and the role name
-- itself names the tenant, so no session setting can widen what a tenant role sees.
CREATE POLICY "tenant_backups_own_tenant" ON "tenant_backups" FOR SELECT TO "tradesage_tenant_roles"
    USING (current_user = 't_' || replace("tenant_id"::text, '-', '') || '_rw');

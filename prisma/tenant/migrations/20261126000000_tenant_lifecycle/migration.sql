-- Tenant lifecycle and limits. A NULL limit means "the plan's default".
ALTER TABLE "tenants"
    ADD COLUMN "max_users" INTEGER,
    ADD COLUMN "max_sessions_per_user" INTEGER,
    ADD COLUMN "requests_per_minute" INTEGER,
    ADD COLUMN "storage_mb" INTEGER,
    ADD COLUMN "suspended_reason" TEXT,
    ADD COLUMN "suspended_at" TIMESTAMPTZ(6),
    ADD COLUMN "purge_after" TIMESTAMPTZ(6);

-- Tenant database roles must never see the control plane.
DO $$ BEGIN EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', current_schema()); END $$;

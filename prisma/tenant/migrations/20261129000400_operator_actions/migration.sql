-- The platform operators' actions on tenants (create, suspend, resume, delete, limits, settings,
-- backup, restore), recorded by the tenant subgraph in the same transaction as the change they
-- describe. Append-only and kept: a trigger refuses UPDATE, DELETE and TRUNCATE, as on
-- operator_audit_events (the auth subgraph's sign-in trail beside it).
CREATE TYPE "OperatorActionType" AS ENUM (
    'CREATE_TENANT',
    'SUSPEND_TENANT',
    'RESUME_TENANT',
    'DELETE_TENANT',
    'UPDATE_TENANT_LIMITS',
    'UPDATE_TENANT_SETTINGS',
    'BACKUP_TENANT',
    'RESTORE_TENANT'
);
CREATE TYPE "OperatorActionOutcome" AS ENUM ('SUCCEEDED', 'FAILED');

-- No foreign key to tenants: an entry outlives its tenant (a failed provisioning removes its
-- row), and a failed action may name a tenant that never existed.
CREATE TABLE "operator_actions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "operator_id" UUID NOT NULL,
    "action" "OperatorActionType" NOT NULL,
    "tenant_id" UUID,
    "outcome" "OperatorActionOutcome" NOT NULL,
    "error_code" TEXT,
    "input" JSONB NOT NULL DEFAULT '{}',
    "details" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT NOT NULL,
    "ip_address" INET,
    "user_agent" TEXT,
    CONSTRAINT "operator_actions_pkey" PRIMARY KEY ("id")
);
-- The query lists newest first, optionally for one tenant or one operator.
CREATE INDEX "operator_actions_at_id_idx" ON "operator_actions"("at", "id");
CREATE INDEX "operator_actions_tenant_id_at_id_idx" ON "operator_actions"("tenant_id", "at", "id");
CREATE INDEX "operator_actions_operator_id_at_id_idx" ON "operator_actions"("operator_id", "at", "id");
COMMENT ON TABLE "operator_actions" IS 'append-only';

CREATE FUNCTION "operator_actions_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_actions is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "operator_actions_append_only" BEFORE UPDATE OR DELETE ON "operator_actions"
    FOR EACH ROW EXECUTE FUNCTION "operator_actions_refuse_change"();
CREATE TRIGGER "operator_actions_no_truncate" BEFORE TRUNCATE ON "operator_actions"
    FOR EACH STATEMENT EXECUTE FUNCTION "operator_actions_refuse_change"();

-- Sign-in security: TOTP, Google links, recovery codes and the append-only audit trail.
ALTER TABLE "accounts"
    ADD COLUMN "totp_secret" TEXT,
    ADD COLUMN "totp_enabled" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "totp_last_step" BIGINT,
    ADD COLUMN "google_subject" TEXT,
    ADD COLUMN "last_login_at" TIMESTAMPTZ(6);
CREATE UNIQUE INDEX "accounts_google_subject_key" ON "accounts"("google_subject");

-- One-time MFA recovery codes, stored as sha256; used_at makes each single-use.
CREATE TABLE "recovery_codes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "recovery_codes_code_hash_key" ON "recovery_codes"("code_hash");
CREATE INDEX "recovery_codes_account_id_idx" ON "recovery_codes"("account_id");
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The tenant's audit trail. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for
-- everyone but a superuser, and the tenant role holds neither privilege (see tenantRoleGrants,
-- which honours the table comment).
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actor_id" UUID,
    "subject_id" UUID,
    "ip_address" INET,
    "user_agent" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_events_at_id_idx" ON "audit_events"("at", "id");
COMMENT ON TABLE "audit_events" IS 'append-only';

CREATE FUNCTION "audit_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
    FOR EACH ROW EXECUTE FUNCTION "audit_events_refuse_change"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_refuse_change"();

-- Existing tenants' roles got UPDATE and DELETE through default privileges; take them back.
DO $$ BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON "audit_events" FROM %I', current_schema() || '_rw');
EXCEPTION WHEN undefined_object THEN NULL; -- no tenant role (a schema outside provisioning)
END $$;

-- Platform operators' sign-in (owned by the auth subgraph): MFA, recovery codes and the
-- append-only operator audit trail. The table itself was made by control_init.
ALTER TABLE "platform_operators"
    ADD COLUMN "totp_secret" TEXT,
    ADD COLUMN "totp_enabled" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "totp_last_step" BIGINT,
    ADD COLUMN "last_login_at" TIMESTAMPTZ(6);

CREATE TABLE "operator_recovery_codes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "operator_id" UUID NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "operator_recovery_codes_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "operator_recovery_codes_code_hash_key" ON "operator_recovery_codes"("code_hash");
CREATE INDEX "operator_recovery_codes_operator_id_idx" ON "operator_recovery_codes"("operator_id");
ALTER TABLE "operator_recovery_codes" ADD CONSTRAINT "operator_recovery_codes_operator_id_fkey"
    FOREIGN KEY ("operator_id") REFERENCES "platform_operators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "operator_audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actor_id" UUID,
    "subject_id" UUID,
    "ip_address" INET,
    "user_agent" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "operator_audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "operator_audit_events_at_id_idx" ON "operator_audit_events"("at", "id");
COMMENT ON TABLE "operator_audit_events" IS 'append-only';

CREATE FUNCTION "operator_audit_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "operator_audit_events_append_only" BEFORE UPDATE OR DELETE ON "operator_audit_events"
    FOR EACH ROW EXECUTE FUNCTION "operator_audit_events_refuse_change"();
CREATE TRIGGER "operator_audit_events_no_truncate" BEFORE TRUNCATE ON "operator_audit_events"
    FOR EACH STATEMENT EXECUTE FUNCTION "operator_audit_events_refuse_change"();

-- Erasure of a user's personal data (eraseUser; docs/privacy.md). The account row goes; what
-- stays is the pseudonym the audit trail calls the user from then on, and when it happened.
CREATE TABLE "erased_accounts" (
    "pseudonym" UUID NOT NULL,
    "erased_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "erased_accounts_pkey" PRIMARY KEY ("pseudonym")
);
-- An erasure is for good: the tenant's role may record one, never change or delete it.
COMMENT ON TABLE "erased_accounts" IS 'append-only';

-- A user's own entries (exportMyData) and an erased user's (pseudonymisation), without a scan.
CREATE INDEX "audit_events_actor_id_at_id_idx" ON "audit_events"("actor_id", "at", "id");
CREATE INDEX "audit_events_subject_id_at_id_idx" ON "audit_events"("subject_id", "at", "id");

-- The audit trail stays append-only, with one exception: an erased user's id may be replaced
-- by their pseudonym, and where their own requests came from (address, user agent) cleared.
-- The tenant's role may update only these columns (tenantRoleGrants grants them, after taking
-- UPDATE away from the append-only table), and the trigger allows nothing else, to anyone: a
-- replaced id must belong to no account and must not be a pseudonym itself, the new one must be
-- a recorded erasure's, and every other column stays as it was. DELETE and TRUNCATE are refused
-- as before.
COMMENT ON COLUMN "audit_events"."actor_id" IS 'pseudonymisable';
COMMENT ON COLUMN "audit_events"."subject_id" IS 'pseudonymisable';
COMMENT ON COLUMN "audit_events"."ip_address" IS 'pseudonymisable';
COMMENT ON COLUMN "audit_events"."user_agent" IS 'pseudonymisable';

CREATE OR REPLACE FUNCTION "audit_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    allowed BOOLEAN := false;
BEGIN
    -- NEW and OLD are read only for UPDATE (TRUNCATE and DELETE have no NEW row).
    IF TG_OP = 'UPDATE' THEN
        IF NEW."id" = OLD."id" AND NEW."at" = OLD."at" AND NEW."type" = OLD."type"
           AND NEW."metadata" = OLD."metadata"
           AND (NEW."actor_id" IS DISTINCT FROM OLD."actor_id"
                OR NEW."subject_id" IS DISTINCT FROM OLD."subject_id")
           AND (NEW."ip_address" IS NULL OR NEW."ip_address" = OLD."ip_address")
           AND (NEW."user_agent" IS NULL OR NEW."user_agent" = OLD."user_agent")
        THEN
            -- Every id that changes: no account has it, it is no pseudonym, and it becomes one
            -- that an erasure recorded. Tables are named through the trigger's own schema, so
            -- the check holds whatever the caller's search_path.
            EXECUTE format(
                'SELECT bool_and(c.before IS NOT NULL AND c.after IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM %1$I."accounts" a WHERE a."id" = c.before)
                         AND NOT EXISTS (SELECT 1 FROM %1$I."erased_accounts" e
                                          WHERE e."pseudonym" = c.before)
                         AND EXISTS (SELECT 1 FROM %1$I."erased_accounts" e
                                      WHERE e."pseudonym" = c.after))
                   FROM (VALUES ($1, $2), ($3, $4)) AS c(before, after)
                  WHERE c.after IS DISTINCT FROM c.before',
                TG_TABLE_SCHEMA)
                INTO allowed
                USING OLD."actor_id", NEW."actor_id", OLD."subject_id", NEW."subject_id";
        END IF;
    END IF;
    IF allowed THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

-- Existing tenants' roles: the column grants (tenantRoleGrants repeats them after every
-- migration run, provisioning and restore).
DO $$ BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON "erased_accounts" FROM %I', current_schema() || '_rw');
    EXECUTE format('GRANT UPDATE ("actor_id", "subject_id", "ip_address", "user_agent") ON "audit_events" TO %I',
                   current_schema() || '_rw');
EXCEPTION WHEN undefined_object THEN NULL; -- no tenant role (a schema outside provisioning)
END $$;

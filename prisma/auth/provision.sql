-- Run once in a new tenant's schema, inside the provisioning transaction.
-- $1 is the provisioning document: { "tenant": {...}, "owner": { "id", "email", "name", "passwordHash",
-- "invitationTokenHash", "invitationExpiresAt" } }. One statement, so it can take a parameter.
WITH owner AS (
    INSERT INTO "accounts" ("id", "email", "password_hash", "status", "roles")
    VALUES (
        ($1::jsonb #>> '{owner,id}')::uuid,
        lower($1::jsonb #>> '{owner,email}'),
        $1::jsonb #>> '{owner,passwordHash}',
        (CASE WHEN $1::jsonb #>> '{owner,passwordHash}' IS NULL THEN 'INVITED' ELSE 'ACTIVE' END)::"AccountStatus",
        ARRAY['OWNER']::"Role"[]
    )
    RETURNING "id"
)
INSERT INTO "account_tokens" ("account_id", "purpose", "token_hash", "expires_at")
SELECT owner."id", 'INVITATION', $1::jsonb #>> '{owner,invitationTokenHash}',
       ($1::jsonb #>> '{owner,invitationExpiresAt}')::timestamptz
  FROM owner
 WHERE $1::jsonb #>> '{owner,invitationTokenHash}' IS NOT NULL;

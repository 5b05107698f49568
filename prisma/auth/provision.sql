-- Run once in a new tenant's schema, inside the provisioning transaction: the owner's account.
-- $1 is the provisioning document: { "tenant": {...}, "owner": { "id", "email", "name", "passwordHash" } }.
-- Without a password the owner is INVITED; the auth service e-mails the invitation link.
INSERT INTO "accounts" ("id", "email", "password_hash", "status", "email_verified", "roles")
VALUES (
    ($1::jsonb #>> '{owner,id}')::uuid,
    lower($1::jsonb #>> '{owner,email}'),
    $1::jsonb #>> '{owner,passwordHash}',
    (CASE WHEN $1::jsonb #>> '{owner,passwordHash}' IS NULL THEN 'INVITED' ELSE 'ACTIVE' END)::"AccountStatus",
    false,
    ARRAY['OWNER']::"Role"[]
);

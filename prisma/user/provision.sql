-- Run once in a new tenant's schema, inside the provisioning transaction: the owner's profile.
-- $1 is the provisioning document (see prisma/auth/provision.sql).
INSERT INTO "profiles" ("user_id", "name", "email")
VALUES (
    ($1::jsonb #>> '{owner,id}')::uuid,
    $1::jsonb #>> '{owner,name}',
    lower($1::jsonb #>> '{owner,email}')
);

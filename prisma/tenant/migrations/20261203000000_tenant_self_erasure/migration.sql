-- Whether a user may erase their own personal data (eraseUser on themselves); off unless the
-- tenant's OWNER turns it on. An OWNER may always erase the tenant's other users.
ALTER TABLE "tenants" ADD COLUMN "self_erasure" BOOLEAN NOT NULL DEFAULT false;

-- Whether anyone may register an account in the tenant (off unless the tenant turns it on).
ALTER TABLE "tenants" ADD COLUMN "self_registration" BOOLEAN NOT NULL DEFAULT false;

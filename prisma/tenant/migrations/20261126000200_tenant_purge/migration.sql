-- When a deleted tenant's schema and role were dropped (after its final backup).
ALTER TABLE "tenants" ADD COLUMN "purged_at" TIMESTAMPTZ(6);
CREATE INDEX "tenants_status_purge_after_idx" ON "tenants"("status", "purge_after");

-- Control plane: tenant directory, database clusters, platform operators, backups.
CREATE TYPE "TenantStatus" AS ENUM ('PROVISIONING', 'ACTIVE', 'SUSPENDED', 'DELETED');
CREATE TYPE "TenantPlan" AS ENUM ('FREE', 'PRO', 'ENTERPRISE');
CREATE TYPE "BackupStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED');

CREATE TABLE "db_clusters" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "connection_url" TEXT,
    "capacity" INTEGER NOT NULL DEFAULT 1000,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "db_clusters_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "db_clusters_name_key" ON "db_clusters"("name");

CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'PROVISIONING',
    "plan" "TenantPlan" NOT NULL DEFAULT 'FREE',
    "schema_name" TEXT NOT NULL,
    "cluster_id" UUID NOT NULL,
    "provisioning_ms" INTEGER,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),
    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");
CREATE UNIQUE INDEX "tenants_schema_name_key" ON "tenants"("schema_name");
CREATE INDEX "tenants_cluster_id_idx" ON "tenants"("cluster_id");
CREATE INDEX "tenants_status_idx" ON "tenants"("status");
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_cluster_id_fkey"
    FOREIGN KEY ("cluster_id") REFERENCES "db_clusters"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "platform_operators" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "platform_operators_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "platform_operators_email_key" ON "platform_operators"("email");

CREATE TABLE "tenant_backups" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "status" "BackupStatus" NOT NULL DEFAULT 'PENDING',
    "object_key" TEXT,
    "size_bytes" BIGINT,
    "checksum" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(6),
    CONSTRAINT "tenant_backups_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "tenant_backups_tenant_id_created_at_idx" ON "tenant_backups"("tenant_id", "created_at");
ALTER TABLE "tenant_backups" ADD CONSTRAINT "tenant_backups_tenant_id_fkey"
    FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The cluster this process connects to is always there; NULL means "use DATABASE_URL".
INSERT INTO "db_clusters" ("name", "connection_url") VALUES ('primary', NULL);

-- Read replicas of each cluster: reads that tolerate lag (lists, analytics, health) may go to one.
-- Empty for the primary cluster row, whose replicas come from DATABASE_REPLICA_URLS. Nullable,
-- as Prisma declares every list column (a NULL list reads as none).
ALTER TABLE "db_clusters" ADD COLUMN "replica_urls" TEXT[] DEFAULT ARRAY[]::TEXT[];

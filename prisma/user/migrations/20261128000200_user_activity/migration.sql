-- The user directory the admin screens search (a copy of each account's e-mail, kept from the
-- auth service's events), and the activity feed.
ALTER TABLE "profiles" ADD COLUMN "email" TEXT;

-- What happened to a user's account (sign-ins, changes, revocations), fed by events.
CREATE TABLE "activity" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ip_address" INET,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "activity_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "activity_user_id_at_idx" ON "activity"("user_id", "at");
CREATE INDEX "activity_at_idx" ON "activity"("at");

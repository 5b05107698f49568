-- Session subgraph, tenant plane: durable login history (live sessions are in Redis).
CREATE TABLE "login_history" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "session_id" TEXT NOT NULL,
    "device_type" TEXT NOT NULL,
    "ip_address" INET,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "login_history_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "login_history_user_id_created_at_idx" ON "login_history"("user_id", "created_at");
CREATE INDEX "login_history_created_at_idx" ON "login_history"("created_at");

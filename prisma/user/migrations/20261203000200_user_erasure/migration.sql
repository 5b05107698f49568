-- Users whose personal data was erased (the user.erased event): their profile and activity are
-- deleted, and events about them that arrive late, or a second time, are dropped. Only the id
-- stays, a random identifier that leads to nothing once the account and profile are gone.
CREATE TABLE "erased_users" (
    "user_id" UUID NOT NULL,
    "erased_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "erased_users_pkey" PRIMARY KEY ("user_id")
);

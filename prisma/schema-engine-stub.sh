#!/bin/sh
# Stand-in for Prisma's schema-engine binary, which the CLI would otherwise download
# (this machine and CI have no internet). `prisma generate` never runs it; it only needs the path.
# TradeSage applies migrations with its own runner (packages/shared/src/migrations), never `prisma migrate`.
echo "schema-engine stub: 'prisma migrate' and 'prisma db' are not used in TradeSage." >&2
echo "Apply migrations with 'npm run migrate:control' or the tenant provisioner instead." >&2
exit 1

#!/bin/sh
# Runs once, when the postgres volume is initialised (docker-entrypoint-initdb.d). Tenant
# connections log in over TCP, where the image asks for a password, so the tenant login is made
# here with one; `migrate` (ensureTenantLogin) then finds it and only checks it is NOINHERIT.
# After changing TENANT_DB_USER or TENANT_DB_PASSWORD: `docker compose down -v`.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="$TENANT_DB_USER" -v password="$TENANT_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOINHERIT PASSWORD :'password';
SQL

# syntax=docker/dockerfile:1
# One image for the router, the four subgraphs and the migrations; the command picks the service.
# (The syntax directive above only counts as the very first line.)
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY router/package.json router/
COPY subgraphs/auth/package.json subgraphs/auth/
COPY subgraphs/tenant/package.json subgraphs/tenant/
COPY subgraphs/user/package.json subgraphs/user/
COPY subgraphs/session/package.json subgraphs/session/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY . .
# The Prisma clients are generated with dev tools, then those go. tsx stays: it is a production
# dependency (package.json), since the services run TypeScript with `node --import tsx`.
RUN npm run prisma:generate && npm prune --omit=dev

FROM node:20.20-bookworm-slim AS runtime
# Tenant backups and restores run pg_dump, pg_restore and psql; a client at least as new as the
# server (Postgres 15) is needed, and Debian bookworm's is 15.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
# The code belongs to root, so the service cannot rewrite it; only .data (development keys
# generated when none are configured) is the service user's.
COPY --from=build /app /app
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000 4001 4002 4003 4004
# Override per service, e.g. `node --import tsx subgraphs/auth/src/server.ts`.
CMD ["node", "--import", "tsx", "router/src/server.ts"]

# One image for the router and the four subgraphs; the command picks the service.
# syntax=docker/dockerfile:1
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
RUN npm run prisma:generate && npm prune --omit=dev

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 4000 4001 4002 4003 4004
# Override per service, e.g. `node --import tsx subgraphs/auth/src/server.ts`.
CMD ["node", "--import", "tsx", "router/src/server.ts"]

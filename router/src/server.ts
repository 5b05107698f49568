import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import {
  buildRequestContext,
  createLogger,
  createMetrics,
  closeRedis,
  createRedis,
  DataPlatform,
  EventBus,
  keysForVerification,
  publicJwks,
  loadConfigOrExit,
  startGraphQLService,
  stopOnSignals,
  SUBGRAPH_NAMES,
  subgraphUrl,
  verifierFromConfig,
  type Config,
  type RequestContext,
  type RunningService,
  type SigningKey,
  type SubgraphName,
} from '@tradesage/shared';

/** Forwards the caller's token and request id, so each subgraph verifies the token itself. */
class AuthForwardingDataSource extends RemoteGraphQLDataSource<RequestContext> {
  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<RequestContext>['willSendRequest']>>[0]) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}

function subgraphUrlByGraphName(config: Config, name: string): string {
  const known = SUBGRAPH_NAMES.find((subgraph) => subgraph === name.toLowerCase());
  if (!known) throw new Error(`The supergraph names an unknown subgraph: ${name}`);
  return subgraphUrl(config, known as SubgraphName);
}

/** The JWKS the router verifies with: its own keys, JWT_JWKS, or the one at JWT_JWKS_URL. */
async function publishedJwks(
  config: Config,
  signingKeys: SigningKey[] | undefined,
): Promise<unknown> {
  if (config.JWT_JWKS) return JSON.parse(config.JWT_JWKS);
  if (config.JWT_JWKS_URL) {
    const response = await fetch(config.JWT_JWKS_URL, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`JWKS fetch failed: HTTP ${response.status}`);
    return response.json();
  }
  return publicJwks(signingKeys ?? []);
}

/** The router: serves the static supergraph and sends each subgraph fetch to its configured URL. */
export async function startRouter(
  config: Config,
  options: { port?: number } = {},
): Promise<RunningService> {
  const log = createLogger('router', config);
  const redis = createRedis(config, log);
  const platform = new DataPlatform(config, log, 'tradesage-router');
  const bus = new EventBus(redis, config.REDIS_KEY_PREFIX, log);
  platform.followTenantChanges(bus);
  const signingKeys = await keysForVerification(config, log);
  const verifier = verifierFromConfig(config, signingKeys && publicJwks(signingKeys));
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(config.SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name }) =>
      new AuthForwardingDataSource({ url: subgraphUrlByGraphName(config, name) }),
    logger: log,
  });

  return startGraphQLService<RequestContext>({
    name: 'router',
    host: config.HOST,
    port: options.port ?? config.ROUTER_PORT,
    production: config.NODE_ENV === 'production',
    log,
    metrics: createMetrics('router'),
    readiness: {
      postgres: async () => {
        await platform.controlPool.query('SELECT 1');
      },
      redis: async () => {
        await redis.ping();
      },
    },
    apollo: { gateway },
    // Clients and other services can verify tokens against the router's JWKS.
    jwks: async () => publishedJwks(config, signingKeys),
    trustProxy: config.TRUSTED_PROXIES,
    context: (request) =>
      buildRequestContext(request, verifier, log, (id) => platform.assertTenantAccess(id)),
    onStop: async () => {
      await bus.close();
      await platform.close();
      await closeRedis(redis);
    },
  });
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const log = createLogger('router', config);
  startRouter(config).then(
    (router) => stopOnSignals(router, log),
    (error: unknown) => {
      log.fatal({ err: error }, 'router start-up failed');
      process.exit(1);
    },
  );
}

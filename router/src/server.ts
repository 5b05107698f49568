import { ApolloGateway } from '@apollo/gateway';
import { Counter, Histogram } from 'prom-client';
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
  sessionGateFor,
  explorationEnabled,
  subscriptionQuotas,
  sessionPolicyFromConfig,
  SessionStore,
  ReloadingClientTls,
  serverTlsFromConfig,
  type Config,
  type RunningService,
  type SigningKey,
  type SubgraphName,
} from '@tradesage/shared';
import { corsOrigins, EdgeRateLimits, persistedQueries, queryLimits } from './edge';
import { SubgraphClient, type RouterContext } from './subgraph-client';
import { FederatedSubscriptions } from './subscriptions';
import { FastQueryGateway } from './query-executor';
import { supergraphFromFile } from './supergraph-file';

/** A subgraph's URL: from configuration, or (SUBGRAPH_URLS=supergraph) as the supergraph gives it. */
function subgraphUrlFor(config: Config, name: string, supergraphUrl: string | undefined): string {
  if (config.SUBGRAPH_URLS === 'supergraph') {
    if (!supergraphUrl) throw new Error(`The supergraph gives no URL for subgraph ${name}`);
    return supergraphUrl;
  }
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
  // Ended sessions' tokens are refused at the edge too, from the same store and events.
  const sessionGate = sessionGateFor(
    config,
    new SessionStore(redis, config.REDIS_KEY_PREFIX, { policy: sessionPolicyFromConfig(config) }),
    bus,
    log,
  );
  const signingKeys = await keysForVerification(config, log);
  const verifier = verifierFromConfig(config, signingKeys && publicJwks(signingKeys));
  const metrics = createMetrics('router');
  const fetchDuration = new Histogram({
    name: 'subgraph_fetch_duration_seconds',
    help: 'Fetches from the router to a subgraph, in seconds, by subgraph and outcome',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  const queryExecutions = new Counter({
    name: 'graphql_query_executions_total',
    help: "Queries the router ran, by executor: its own plan executor, or the gateway's (everything it leaves aside)",
    labelNames: ['executor'] as const,
    registers: [metrics.registry],
  });
  // The router's client certificate and CA towards the subgraphs (mTLS), for fetches and
  // subscription carriers alike; reloaded when the files change.
  const subgraphTls = ReloadingClientTls.forSubgraphs(config, log);
  // One keep-alive pool per subgraph. The gateway asks again only for a subgraph whose URL a
  // reload changed (it keeps the data source otherwise).
  const subgraphClients: SubgraphClient[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.SUPERGRAPH_PATH, log),
    buildService: ({ name, url }) => {
      const client = new SubgraphClient({
        name: name.toLowerCase(),
        url: subgraphUrlFor(config, name, url),
        issuesTokens: config.SUBGRAPH_URLS === 'configured' && name.toLowerCase() === 'auth',
        fetchDuration,
        timeoutMs: config.SUBGRAPH_TIMEOUT_SECONDS * 1000,
        tls: subgraphTls,
      });
      subgraphClients.push(client);
      return client;
    },
    logger: log,
  });

  const limits = queryLimits(config);
  const rateLimits = new EdgeRateLimits(redis, config, platform, metrics.registry);
  const subscriptions = new FederatedSubscriptions(gateway, log, subgraphTls);

  return startGraphQLService<RouterContext>({
    name: 'router',
    host: config.HOST,
    port: options.port ?? config.ROUTER_PORT,
    production: config.NODE_ENV === 'production',
    exploration: explorationEnabled(config),
    log,
    metrics,
    readiness: {
      postgres: async () => {
        await platform.controlPool.query('SELECT 1');
      },
      redis: async () => {
        await redis.ping();
      },
    },
    // Queries run on the router's own plan executor; everything else on the gateway's.
    apollo: {
      gateway: new FastQueryGateway(gateway, queryExecutions),
      ...limits,
      persistedQueries: persistedQueries(redis, config),
    },
    corsOrigins: corsOrigins(config),
    maxBodyBytes: config.MAX_BODY_BYTES,
    staticDir: config.STATIC_DIR,
    // Subscriptions over graphql-ws, planned by the gateway and run across the subgraphs.
    subscriptions: {
      schema: subscriptions.schema,
      subscribe: subscriptions.subscribe,
      bus,
      quotas: subscriptionQuotas(config),
      // Every subscription counts against the caller's rate limit, like an HTTP request.
      beforeSubscribe: (context) => rateLimits.consume(context),
      // The query limits of HTTP operations hold over WebSocket and multipart too.
      limits: { validationRules: limits.validationRules, maxTokens: config.MAX_TOKENS },
    },
    // Clients and other services can verify tokens against the router's JWKS.
    jwks: async () => publishedJwks(config, signingKeys),
    trustProxy: config.TRUSTED_PROXIES,
    tls: serverTlsFromConfig(config),
    context: async (request) => {
      const context = await buildRequestContext(
        request,
        verifier,
        log,
        (id) => platform.assertTenantAccess(id),
        sessionGate,
      );
      await rateLimits.consume(context);
      return context;
    },
    onStop: async () => {
      await subscriptions.close();
      await Promise.all(subgraphClients.map((client) => client.close()));
      subgraphTls?.close();
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

import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Histogram } from 'prom-client';
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
  ISSUED_TOKEN_HEADER,
  sessionGateFor,
  explorationEnabled,
  subscriptionQuotas,
  sessionPolicyFromConfig,
  SessionStore,
  type Config,
  type RequestContext,
  type RunningService,
  type SigningKey,
  type SubgraphName,
} from '@tradesage/shared';
import { corsOrigins, EdgeRateLimits, persistedQueries, queryLimits } from './edge';
import { FederatedSubscriptions } from './subscriptions';
import { supergraphFromFile } from './supergraph-file';

/** Per-operation state of the router, beside the request context. */
interface RouterContext extends RequestContext {
  /** A token the auth subgraph issued during this operation (login): the rest of it runs as that user. */
  issuedAuthorization?: string;
}

type SendArgs = Parameters<
  NonNullable<RemoteGraphQLDataSource<RouterContext>['willSendRequest']>
>[0];
type ProcessArgs = Parameters<RemoteGraphQLDataSource<RouterContext>['process']>[0];
type ReceiveArgs = Parameters<
  NonNullable<RemoteGraphQLDataSource<RouterContext>['didReceiveResponse']>
>[0];

/**
 * Forwards the caller's token, request id, client address and user agent, so each subgraph
 * verifies the token itself and records where requests come from.
 */
class AuthForwardingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    options: { url: string },
    /** Only the auth subgraph may hand the router a token for the rest of an operation. */
    private readonly issuesTokens: boolean,
    private readonly fetchDuration: Histogram<'subgraph' | 'outcome'>,
    private readonly subgraph: string,
  ) {
    super(options);
  }

  override async process(options: ProcessArgs) {
    const stop = this.fetchDuration.startTimer({ subgraph: this.subgraph });
    try {
      const response = await super.process(options);
      stop({ outcome: response.errors?.length ? 'error' : 'success' });
      return response;
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  }

  override willSendRequest({ request, context }: SendArgs) {
    const headers = request.http?.headers;
    if (!headers) return;
    const authorization = context.issuedAuthorization ?? context.authorization;
    if (authorization) headers.set('authorization', authorization);
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.clientIp) headers.set('x-forwarded-for', context.clientIp);
    if (context.userAgent) headers.set('user-agent', context.userAgent);
  }

  override async didReceiveResponse({ response, context }: ReceiveArgs) {
    const issued = this.issuesTokens ? response.http?.headers.get(ISSUED_TOKEN_HEADER) : null;
    if (issued) context.issuedAuthorization = `Bearer ${issued}`;
    return response;
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
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.SUPERGRAPH_PATH, log),
    buildService: ({ name }) =>
      new AuthForwardingDataSource(
        { url: subgraphUrlByGraphName(config, name) },
        name.toLowerCase() === 'auth',
        fetchDuration,
        name.toLowerCase(),
      ),
    logger: log,
  });

  const limits = queryLimits(config);
  const rateLimits = new EdgeRateLimits(redis, config, platform, metrics.registry);
  const subscriptions = new FederatedSubscriptions(
    gateway,
    (name) => subgraphUrlByGraphName(config, name).replace(/^http/, 'ws'),
    log,
  );

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
    apollo: { gateway, ...limits, persistedQueries: persistedQueries(redis, config) },
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

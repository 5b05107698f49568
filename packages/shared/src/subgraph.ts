import fs from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { type PermissionRules } from './permissions';
import { buildRequestContext, type RequestContext } from './auth/context';
import { SessionGate } from './auth/session-gate';
import { verifierFromConfig } from './auth/principal';
import { loadSigningKeys, publicJwks, type SigningKey } from './auth/keys';
import {
  ConfigError,
  explorationEnabled,
  loadConfig,
  subgraphPort,
  type Config,
  type SubgraphName,
} from './config';
import { DataPlatform } from './db/platform';
import { startGraphQLService, stopOnSignals, type RunningService } from './http/service';
import { createLogger, type Logger } from './logger';
import { createMetrics, type ServiceMetrics } from './metrics';
import { buildPermissions } from './permissions';
import { nulArgumentGuard } from './validation';
import { closeRedis, createRedis, type Redis } from './redis';
import { EventBus, EventStream } from './events';
import { SessionStore, sessionPolicyFromConfig } from './sessions';
import { WriteMarks } from './db/read-routing';
import type { ApolloServerPlugin } from '@apollo/server';
import { serverTlsFromConfig } from './tls';

/** The process-wide dependencies every subgraph gets. */
export interface SubgraphDeps {
  config: Config;
  log: Logger;
  platform: DataPlatform;
  redis: Redis;
  bus: EventBus;
  /** Durable events between services (Redis streams with consumer groups). */
  streams: EventStream;
  sessions: SessionStore;
  /** This process's signing keys, when it has any (the auth subgraph issues tokens with them). */
  signingKeys?: SigningKey[];
  /** The service's metrics (served at /metrics); a subgraph registers its own beside them. */
  metrics: ServiceMetrics;
}

/** The dependencies of one process; `closeSubgraphDeps` gives them back. */
export function createSubgraphDeps(
  config: Config,
  log: Logger,
  applicationName: string,
  signingKeys?: SigningKey[],
  metrics: ServiceMetrics = createMetrics(applicationName),
): SubgraphDeps {
  const platform = new DataPlatform(config, log, applicationName);
  const redis = createRedis(config, log);
  const bus = new EventBus(redis, config.REDIS_KEY_PREFIX, log);
  platform.followTenantChanges(bus);
  const streams = new EventStream(redis, config.REDIS_KEY_PREFIX, log);
  return {
    config,
    log,
    platform,
    redis,
    bus,
    streams,
    sessions: new SessionStore(redis, config.REDIS_KEY_PREFIX, {
      policy: sessionPolicyFromConfig(config),
      streams,
    }),
    signingKeys,
    metrics,
  };
}

export async function closeSubgraphDeps(deps: SubgraphDeps): Promise<void> {
  await deps.streams.close();
  await deps.bus.close();
  await deps.platform.close();
  await closeRedis(deps.redis);
}

export interface SubgraphContext<TServices> extends RequestContext {
  services: TServices;
}

/**
 * One subgraph, in the shape all four share: its SDL, resolvers, permissions, and the data
 * access services built once per process.
 */
export interface SubgraphDefinition<TServices> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  /** The subgraph's resolvers, typed by its generated `Resolvers` (see codegen.ts). */
  resolvers: object;
  permissions: PermissionRules;
  createServices(deps: SubgraphDeps): TServices;
}

/** Services with background work (timers, schedules) start with the server and stop before it closes. */
interface Lifecycle {
  /** Work that must be done before the service takes requests (seeding what it serves). */
  prepare?(): Promise<void>;
  start?(): void;
  stop?(): void;
}

export function loadSdl(file: string): DocumentNode {
  return parse(fs.readFileSync(file, 'utf8'));
}

/** The executable subgraph schema with its shield applied (deny by default). */
export function buildGuardedSubgraphSchema<T>(definition: SubgraphDefinition<T>): GraphQLSchema {
  const schema = buildSubgraphSchema({
    typeDefs: definition.typeDefs,
    resolvers: definition.resolvers as GraphQLResolverMap<unknown>,
  });
  // Permissions first: a caller who may not run an operation learns nothing of its input checks.
  return applyMiddleware(
    schema,
    buildPermissions(definition.permissions, schema),
    nulArgumentGuard(schema),
  );
}

export interface StartOptions {
  config?: Config;
  port?: number;
}

export async function startSubgraph<T>(
  definition: SubgraphDefinition<T>,
  options: StartOptions = {},
): Promise<RunningService> {
  const config = options.config ?? loadConfig();
  const log = createLogger(`${definition.name}-subgraph`, config);
  const signingKeys = await keysForVerification(config, log);
  const deps = createSubgraphDeps(
    config,
    log,
    `tradesage-${definition.name}`,
    signingKeys,
    createMetrics(`${definition.name}-subgraph`),
  );
  const { platform, redis } = deps;
  const services = definition.createServices(deps);
  const lifecycle = services as Lifecycle;
  const verifier = verifierFromConfig(config, signingKeys && publicJwks(signingKeys));
  const sessionGate = sessionGateFor(config, deps.sessions, deps.bus, log);
  const production = config.NODE_ENV === 'production';
  const schema = buildGuardedSubgraphSchema(definition);
  const writeMarks = new WriteMarks(
    redis,
    config.REDIS_KEY_PREFIX,
    config.REPLICA_READ_AFTER_WRITE_SECONDS * 1000,
    (principal) => platform.hasReplicas(principal),
  );

  const release = async () => {
    lifecycle.stop?.();
    await closeSubgraphDeps(deps);
  };
  try {
    await lifecycle.prepare?.();
  } catch (error) {
    await release();
    throw error;
  }
  return startGraphQLService<SubgraphContext<T>>({
    name: `${definition.name} subgraph`,
    host: config.HOST,
    port: options.port ?? subgraphPort(config, definition.name),
    production,
    exploration: explorationEnabled(config),
    log,
    metrics: deps.metrics,
    readiness: {
      postgres: async () => {
        await platform.controlPool.query('SELECT 1');
      },
      redis: async () => {
        await redis.ping();
      },
    },
    apollo: { schema, plugins: [markWrites<SubgraphContext<T>>()] },
    // The router's sockets carry many callers' subscriptions, each with its own credentials.
    subscriptions: {
      schema,
      bus: deps.bus,
      quotas: subscriptionQuotas(config),
      acceptCarriers: true,
    },
    ...(signingKeys ? { jwks: async () => publicJwks(signingKeys) } : {}),
    trustProxy: config.TRUSTED_PROXIES,
    // With TLS_CLIENT_AUTH=require, only holders of a client certificate (the router) get in.
    tls: serverTlsFromConfig(config),
    context: async (request) => ({
      ...(await buildRequestContext(
        request,
        verifier,
        log,
        (id) => platform.assertTenantAccess(id),
        sessionGate,
        writeMarks,
      )),
      services,
    }),
    onStop: release,
  })
    .then((service) => {
      lifecycle.start?.();
      return service;
    })
    .catch(async (error: unknown) => {
      // Listening failed (port taken, say): give back the connections made above.
      await release();
      throw error;
    });
}

/**
 * A mutation marks its session before it runs, so that the session's reads go to the primary
 * for a while and see what it wrote (see ReadConsistency).
 */
function markWrites<TContext extends RequestContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation === 'mutation') await contextValue.reads.noteWrite();
        },
      };
    },
  };
}

/** How many subscriptions a connection and a tenant may hold, from configuration. */
export function subscriptionQuotas(config: Config) {
  return {
    perConnection: config.SUBSCRIPTIONS_PER_CONNECTION,
    perTenant: config.SUBSCRIPTIONS_PER_TENANT,
  };
}

/** The session gate of a service (router or subgraph), tuned by configuration. */
export function sessionGateFor(
  config: Config,
  sessions: SessionStore,
  bus: EventBus,
  log: Logger,
): SessionGate {
  return new SessionGate(sessions, bus, {
    cacheTtlMs: config.SESSION_CACHE_TTL_SECONDS * 1000,
    touchIntervalMs: config.SESSION_TOUCH_INTERVAL_SECONDS * 1000,
    log,
  });
}

/**
 * The signing keys a service loads: always when it is given some (the auth subgraph issues
 * with them), and otherwise to verify with when neither JWT_JWKS nor JWT_JWKS_URL is set.
 */
export async function keysForVerification(
  config: Config,
  log: Logger,
): Promise<SigningKey[] | undefined> {
  const ownKeys = Boolean(config.JWT_KEYS_DIR || config.JWT_PRIVATE_KEYS);
  if (config.JWT_JWKS || config.JWT_JWKS_URL)
    return ownKeys ? loadSigningKeys(config, log) : undefined;
  if (!ownKeys && config.NODE_ENV === 'production') {
    throw new ConfigError([
      'JWT_JWKS_URL: nothing to verify access tokens with; set it (or JWT_JWKS, or give this service JWT_KEYS_DIR)',
    ]);
  }
  return loadSigningKeys(config, log);
}

/** Entry point of a subgraph process: start, stop cleanly on signals, and fail fast on bad config. */
export function runSubgraphMain<T>(definition: SubgraphDefinition<T>): void {
  const config = loadConfigOrExit();
  const log = createLogger(`${definition.name}-subgraph`, config);
  startSubgraph(definition, { config }).then(
    (service) => stopOnSignals(service, log),
    (error: unknown) => {
      log.fatal({ err: error }, 'start-up failed');
      process.exit(1);
    },
  );
}

/** Loads configuration, or prints every problem and exits: start-up fails fast and says why. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

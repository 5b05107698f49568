import { ErrorsAreMissesCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { Counter, type Registry } from 'prom-client';
import {
  AppError,
  rateLimitedRequest,
  redisAway,
  RequestLimit,
  type Config,
  type DataPlatform,
  type Redis,
  type RequestContext,
} from '@tradesage/shared';

/** The query limits of the edge (graphql-armor), from configuration. */
export function queryLimits(config: Config) {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: config.MAX_QUERY_DEPTH },
    costLimit: { maxCost: config.MAX_QUERY_COST },
    maxAliases: { n: config.MAX_ALIASES },
    maxDirectives: { n: config.MAX_DIRECTIVES },
    // The token limit is graphql-js's own parse option (below): armor's version throws from a
    // plugin hook, which Apollo Server answers with HTTP 500.
    maxTokens: { enabled: false },
    // Apollo already hides suggestions in production (hideSchemaDetailsFromClientErrors).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: config.MAX_TOKENS } };
}

/** Browser origins allowed to call the router. */
export function corsOrigins(config: Config): string[] {
  const configured = config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (configured.length > 0) return configured;
  const app = new URL(config.PUBLIC_APP_URL).origin;
  return config.NODE_ENV === 'production'
    ? [app]
    : [app, 'https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];
}

/**
 * Requests per minute at the edge (rate-limiter-flexible on Redis): a tenant's users share their
 * plan's `requestsPerMinute`; anonymous callers are counted per IP. If Redis cannot be reached,
 * each router process counts in memory instead (the same limits, per process), so the router
 * never fails or opens up because Redis is away. Operators are not limited here.
 */
export class EdgeRateLimits {
  /** One limit per distinct rate (plans have few). */
  private readonly limits = new Map<number, RequestLimit>();
  private readonly rejections: Counter<'scope'>;

  constructor(
    private readonly redis: Redis,
    private readonly config: Config,
    private readonly platform: Pick<DataPlatform, 'findActiveTenant'>,
    registry: Registry,
  ) {
    this.rejections = new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with RATE_LIMITED at the edge, by scope (tenant or anonymous)',
      labelNames: ['scope'] as const,
      registers: [registry],
    });
  }

  /** Counts the request; throws RATE_LIMITED (HTTP 429, Retry-After) past the limit. */
  async consume(ctx: RequestContext): Promise<void> {
    const { principal } = ctx;
    if (principal.kind === 'operator') return;
    let key: string;
    let perMinute: number;
    if (principal.kind === 'user') {
      const tenant = await this.platform.findActiveTenant({ id: principal.tenantId });
      if (!tenant) return; // the tenant gate has refused it already
      key = `t:${principal.tenantId}`;
      perMinute = tenant.limits.requestsPerMinute;
    } else {
      key = `ip:${ctx.clientIp ?? 'unknown'}`;
      perMinute = this.config.ANONYMOUS_REQUESTS_PER_MINUTE;
    }
    try {
      await this.limit(perMinute).consume(key);
    } catch (error) {
      if (error instanceof AppError && error.extensions.code === 'RATE_LIMITED')
        this.rejections.inc({ scope: principal.kind === 'user' ? 'tenant' : 'anonymous' });
      throw error;
    }
  }

  private limit(perMinute: number): RequestLimit {
    let limit = this.limits.get(perMinute);
    if (!limit) {
      limit = new RequestLimit(this.redis, `${this.config.REDIS_KEY_PREFIX}rl:edge:${perMinute}`, {
        points: perMinute,
        durationSeconds: 60,
        refuse: rateLimitedRequest,
      });
      this.limits.set(perMinute, limit);
    }
    return limit;
  }
}

/**
 * Automatic persisted queries with the cache in Redis, shared by every router replica. A Redis
 * error counts as a miss: the client sends the full query again and nothing fails.
 */
export function persistedQueries(redis: Redis, config: Config) {
  // Apollo's keys start with "apq:". While Redis is away, every lookup is a miss at once.
  const ready = () => !redisAway(redis);
  const store: KeyValueCache<string> = {
    get: async (key) =>
      ready() ? ((await redis.get(`${config.REDIS_KEY_PREFIX}${key}`)) ?? undefined) : undefined,
    set: async (key, value, options) => {
      // Large documents are run but not kept, so nobody can fill Redis with them.
      if (!ready() || Buffer.byteLength(value) > config.APQ_MAX_QUERY_BYTES) return;
      const ttl = options?.ttl ?? config.APQ_TTL_SECONDS;
      await redis.set(`${config.REDIS_KEY_PREFIX}${key}`, value, 'EX', Math.max(1, ttl));
    },
    delete: async (key) => (await redis.del(`${config.REDIS_KEY_PREFIX}${key}`)) > 0,
  };
  return { cache: new ErrorsAreMissesCache(store), ttl: config.APQ_TTL_SECONDS };
}

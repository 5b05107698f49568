import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  GraphQLError,
  parse,
  specifiedRules,
  subscribe as graphqlSubscribe,
  validate,
  type DocumentNode,
  type ValidationRule,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import proxyAddr from 'proxy-addr';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingRequest, RequestContext } from '../auth/context';
import type { Principal } from '../auth/principal';
import type { EventBus } from '../events';
import { PLATFORM_SCOPE } from '../sessions';
import { AppError, badUserInput, createErrorFormatter, unauthenticated } from '../errors';
import type { Logger } from '../logger';
import type { ServiceMetrics } from '../metrics';

/** Close codes a client can act on (graphql-ws reserves 4400–4499 for such). */
export const WS_CLOSE = {
  /** The token is missing, invalid or expired, or its session has ended: sign in again. */
  UNAUTHENTICATED: 4401,
  /** The credentials are valid but not allowed here (a suspended tenant). */
  FORBIDDEN: 4403,
  /** Too many connections from this client or tenant: wait (the reason says how long). */
  RATE_LIMITED: 4429,
} as const;

/**
 * The `connection_init` payload of a carrier: one socket that carries many callers'
 * subscriptions (the router's to a subgraph), each subscribe message bringing its caller's
 * credentials in `extensions.authorization`. A subgraph accepts carriers when
 * `acceptCarriers` is set; every subscription on one is authenticated on its own, exactly as a
 * connection would be, and ends with UNAUTHENTICATED when its session does.
 */
export const CARRIER_CONNECTION_PARAMS = { credentials: 'per-operation' } as const;

const CLOSE_BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: WS_CLOSE.UNAUTHENTICATED,
  TENANT_SUSPENDED: WS_CLOSE.FORBIDDEN,
  RATE_LIMITED: WS_CLOSE.RATE_LIMITED,
};

export type SubscribeFunction = (
  args: ExecutionArgs,
) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> | AsyncIterable<ExecutionResult>;

export interface SubscriptionServerOptions<TContext extends object> {
  httpServer: http.Server;
  path: string;
  /** What operations are validated against; a function when it can change (the router's). */
  schema: GraphQLSchema | (() => GraphQLSchema);
  /**
   * Runs a subscription instead of graphql-js against `schema` (the router plans and runs it
   * across subgraphs). Other operation types are refused over WebSocket when this is given.
   */
  subscribe?: SubscribeFunction;
  /** The same context builder as HTTP requests: it verifies the token and its session. */
  context: (request: IncomingRequest) => Promise<TContext>;
  /** Endings of sessions: a connection whose session ends is closed (4401) at once. */
  bus?: Pick<EventBus, 'iterate'>;
  /** Express-style "trust proxy" list: whose X-Forwarded-For decides the client IP. */
  trustProxy: string;
  production: boolean;
  log: Logger;
  metrics?: Pick<ServiceMetrics, 'subscriptions' | 'sockets'>;
  /** How many subscriptions a connection and a tenant may hold. */
  quota?: SubscriptionQuota;
  /** Runs before each subscription starts (the router's rate limit); throwing refuses it. */
  beforeSubscribe?: (context: TContext) => Promise<void>;
  /** The largest message accepted (bytes), connection_init included. */
  maxPayloadBytes?: number;
  /** How often sockets are pinged (ms); one that has not answered the last ping is dropped. */
  keepAliveMs?: number;
  /** The same query limits as HTTP operations (graphql-armor's rules, the token limit). */
  limits?: OperationLimits;
  /** Accept carrier connections (CARRIER_CONNECTION_PARAMS): subgraphs do, the router not. */
  acceptCarriers?: boolean;
}

/** Limits every operation meets, whatever the transport. */
export interface OperationLimits {
  validationRules?: readonly ValidationRule[];
  maxTokens?: number;
}

/** Parses and validates an operation under the limits; the errors, or the document. */
function checkOperation(
  schema: GraphQLSchema,
  query: string,
  limits: OperationLimits = {},
): DocumentNode | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (error) {
    return [coded(error, 'GRAPHQL_PARSE_FAILED')];
  }
  const errors = validateOperation(schema, document, limits);
  return errors.length > 0 ? errors : document;
}

/** Validates a parsed operation under the limits (graphql-armor's rules besides graphql's). */
export function validateOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits = {},
): readonly GraphQLError[] {
  try {
    const rules = [...specifiedRules, ...(limits.validationRules ?? [])];
    return validate(schema, document, rules).map((error) =>
      coded(error, 'GRAPHQL_VALIDATION_FAILED'),
    );
  } catch (error) {
    // graphql-js throws on a few malformed documents instead of reporting them.
    return [coded(error, 'GRAPHQL_VALIDATION_FAILED')];
  }
}

/** A request error with Apollo's code, so the shared formatter shows it as BAD_USER_INPUT. */
function coded(error: unknown, code: string): GraphQLError {
  const message = error instanceof Error ? error.message : String(error);
  const original = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(message, {
    nodes: original?.nodes,
    extensions: { ...original?.extensions, code },
  });
}

/**
 * GraphQL subscriptions over WebSocket (graphql-ws, `graphql-transport-ws`) on the HTTP
 * server's path. The credentials come from `connection_init` (`{ authorization: "Bearer …" }`)
 * or, failing that, the upgrade request's header; the context is built once per connection, and
 * a connection whose token or session is refused is closed with 4401 (4403 for a suspended
 * tenant) before any operation runs. Errors are masked as HTTP responses are. Returns a
 * function that closes every socket.
 */
export function serveSubscriptions<TContext extends object>(
  options: SubscriptionServerOptions<TContext>,
): () => Promise<void> {
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: options.maxPayloadBytes ?? 1024 * 1024,
  });
  const trust = proxyAddr.compile(options.trustProxy.split(',').map((entry) => entry.trim()));
  /** Each connection's verified context; a carrier has none, its operations bring their own. */
  const contexts = new WeakMap<object, TContext>();
  const carriers = new WeakSet<object>();
  const places = new WeakMap<object, ConnectionPlaces>();
  const connectionPlaces = (extra: object) => {
    let held = places.get(extra);
    if (!held) places.set(extra, (held = { open: 0 }));
    return held;
  };
  const formatError = createErrorFormatter({ production: options.production });
  const { schema, subscribe } = options;
  const schemaNow = () => (typeof schema === 'function' ? schema() : schema);
  const onlySubscriptions = () => ({
    errors: [
      badUserInput('Over WebSocket, only subscriptions: send queries and mutations over HTTP'),
    ],
  });
  /** The caller's verified context from the upgrade request and the credentials given. */
  const authenticate = async (request: http.IncomingMessage, authorization: unknown) => {
    const headers = {
      ...request.headers,
      ...(typeof authorization === 'string' ? { authorization } : {}),
    };
    const context = await options.context({ headers, ip: proxyAddr(request, trust) });
    // No subscription is open to anonymous callers.
    if ((context as unknown as RequestContext).principal.kind === 'anonymous')
      throw unauthenticated('Authentication required');
    return context;
  };
  /** The credentials of one operation on a carrier: a context, or the coded refusal. */
  const authenticateOperation = async (request: http.IncomingMessage, authorization: unknown) => {
    try {
      return await authenticate(request, authorization);
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      options.log.error({ err: error }, 'subscription authentication failed');
      return new AppError('INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  };
  const server = useServer<Record<string, unknown>>(
    {
      schema: typeof schema === 'function' ? schema : () => schema,
      isProd: options.production,
      subscribe: (args) => {
        const context = args.contextValue as OperationContext;
        return runSubscription(args, {
          subscribe,
          quota: options.quota,
          metrics: options.metrics,
          transport: 'websocket',
          connection: context[CONNECTION],
          // On a carrier, the operation ends when its own session does (not the socket).
          endsWithSession: context[CONNECTION] ? undefined : { bus: options.bus },
        });
      },
      ...(subscribe ? { execute: onlySubscriptions } : {}),
      // Every subscription counts against the rate limit, and meets the same query limits as
      // HTTP operations, before graphql-ws parses and validates it itself.
      onSubscribe: async (ctx, _id, payload) => {
        const carrier = carriers.has(ctx.extra);
        const context = carrier
          ? await authenticateOperation(ctx.extra.request, payload.extensions?.authorization)
          : contexts.get(ctx.extra);
        if (context instanceof GraphQLError) return [context];
        if (!context) return [unauthenticated('Authentication required')];
        try {
          await options.beforeSubscribe?.(context);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        // Parsed and validated once: graphql-ws runs the arguments returned here as they are.
        const schemaValue = schemaNow();
        const checked = checkOperation(schemaValue, payload.query, options.limits);
        if (Array.isArray(checked)) return checked as readonly GraphQLError[];
        // Each operation gets its own request id, on its verified context.
        const contextValue: OperationContext = {
          ...context,
          requestId: randomUUID(),
          [CONNECTION]: carrier ? undefined : connectionPlaces(ctx.extra),
        };
        return {
          schema: schemaValue,
          document: checked as DocumentNode,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const params = ctx.connectionParams;
        if (
          options.acceptCarriers &&
          params?.credentials === CARRIER_CONNECTION_PARAMS.credentials
        ) {
          carriers.add(ctx.extra);
          options.metrics?.sockets.inc();
          socket.once('close', () => options.metrics?.sockets.dec());
          return true;
        }
        try {
          const context = await authenticate(ctx.extra.request, params?.authorization);
          const { principal } = context as unknown as RequestContext;
          if (socket.readyState !== socket.OPEN) return false; // gone while we checked
          contexts.set(ctx.extra, context);
          const stop = watchConnection(principal, options.bus, (reason, code) =>
            socket.close(CLOSE_BY_CODE[code], reason),
          );
          options.metrics?.sockets.inc();
          socket.once('close', () => {
            stop();
            options.metrics?.sockets.dec();
          });
          return true;
        } catch (error) {
          const code = error instanceof GraphQLError ? error.extensions.code : undefined;
          const close = typeof code === 'string' ? CLOSE_BY_CODE[code] : undefined;
          if (close === undefined) {
            options.log.error({ err: error }, 'subscription connection failed');
            socket.close(4500, 'Internal server error');
            return false;
          }
          socket.close(close, (error as GraphQLError).message.slice(0, 120));
          return false;
        }
      },
      onError: (_ctx, id, _payload, errors) => {
        options.log.debug({ operationId: id, errors }, 'subscription operation failed');
        return errors.map((error) => formatError(error.toJSON()));
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON())) }
          : undefined,
    },
    wsServer,
    // Our own keep-alive instead of graphql-ws's (see keepAlive below).
    0,
  );
  const stopKeepAlive = keepAlive(wsServer, options.keepAliveMs ?? KEEP_ALIVE_MS);
  return async () => {
    stopKeepAlive();
    await server.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}

/** By default a socket is pinged every 12 s, as graphql-ws does. */
const KEEP_ALIVE_MS = 12_000;

/**
 * Pings every socket each interval, and terminates one that has left two pings in a row
 * unanswered, counting only rounds in which this process was responsive: after a stall of its
 * own event loop (a burst of subscription events) the peer's pong may still be unread, and a busy
 * server must not drop a live peer. graphql-ws's keep-alive drops on one miss, decided in the
 * timer phase, and so once cut the router's carrier, with every subscription on it.
 */
function keepAlive(wsServer: WebSocketServer, intervalMs: number): () => void {
  const missed = new WeakMap<WebSocket, number>();
  const answered = new WeakSet<WebSocket>();
  wsServer.on('connection', (socket) => {
    missed.set(socket, 0);
    socket.on('pong', () => answered.add(socket));
  });
  let due = Date.now() + intervalMs;
  const timer = setInterval(() => {
    const firedAt = Date.now();
    const late = firedAt - due;
    due = firedAt + intervalMs;
    // Decided after the poll phase, so that input that is already here is read first.
    setImmediate(() => {
      const stalled = late > intervalMs / 2 || Date.now() - firedAt > intervalMs / 2;
      for (const socket of wsServer.clients) {
        if (socket.readyState !== socket.OPEN) continue;
        let misses = missed.get(socket) ?? 0;
        if (answered.has(socket)) misses = 0;
        else if (!stalled) misses++;
        if (misses >= 2) {
          socket.terminate();
          continue;
        }
        missed.set(socket, misses);
        answered.delete(socket);
        socket.ping();
      }
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ends a connection when its credentials do: at the access token's expiry, and as soon as its
 * session ends (the `session.revoked` event). Returns the function that stops watching.
 */
export function watchConnection(
  principal: Principal,
  bus: Pick<EventBus, 'iterate'> | undefined,
  end: (reason: string, code: 'UNAUTHENTICATED' | 'TENANT_SUSPENDED') => void,
): () => void {
  if (principal.kind === 'anonymous') return () => undefined;
  // setTimeout holds at most 2^31-1 ms (24.8 days); a token lasting longer is not watched for expiry.
  const untilExpiry = principal.expiresAt ? principal.expiresAt - Date.now() : undefined;
  const timer =
    untilExpiry !== undefined && untilExpiry < 2 ** 31 - 1
      ? setTimeout(
          () => end('The access token has expired', 'UNAUTHENTICATED'),
          Math.max(0, untilExpiry),
        )
      : undefined;
  timer?.unref();
  const scope = principal.kind === 'user' ? principal.tenantId : PLATFORM_SCOPE;
  const endings = bus?.iterate(
    'session.revoked',
    (event) => event.sessionId === principal.sessionId && event.tenantId === scope,
    { maxQueue: 1 },
  );
  void endings?.next().then((result) => {
    if (result.done) return;
    // A suspension is told as such (4403): signing in again will not help.
    if (result.value.reason === 'TENANT_SUSPENDED')
      end('This tenant is suspended', 'TENANT_SUSPENDED');
    else end('This session has ended; sign in again', 'UNAUTHENTICATED');
  });
  return () => {
    if (timer) clearTimeout(timer);
    void endings?.return?.();
  };
}

/**
 * A subscription's results, passed through unchanged, with `start` run when it opens and its
 * returned function once when it ends however it ends (done, returned, failed). A plain
 * iterator rather than an async generator: `return()` must reach the source at once, even while
 * a `next()` is waiting for an event that may never come.
 */
function counted<T>(
  result: AsyncIterable<T> | ExecutionResult,
  start: () => () => void,
): AsyncIterableIterator<T> | ExecutionResult {
  if (!(Symbol.asyncIterator in result)) return result;
  const source = result[Symbol.asyncIterator]();
  const stop = start();
  let ended = false;
  const end = () => {
    if (!ended) stop();
    ended = true;
  };
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      try {
        const next = await source.next();
        if (next.done) end();
        return next;
      } catch (error) {
        end();
        throw error;
      }
    },
    return: async (value?: unknown) => {
      end();
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
  };
  return iterator;
}

/** The context key under which a WebSocket connection's subscription count travels. */
const CONNECTION = Symbol('connection places');
interface ConnectionPlaces {
  open: number;
}
/** A WebSocket operation's context: on a connection of its own caller, or on a carrier. */
type OperationContext = Record<string, unknown> & { [CONNECTION]?: ConnectionPlaces };

/**
 * A subscription that ends when its caller's credentials do (the token expires, the session
 * ends, the tenant is suspended): one last result with UNAUTHENTICATED (TENANT_SUSPENDED), then
 * done. For operations on a carrier, whose
 * socket outlives any one caller.
 */
function endingWithSession(
  source: AsyncIterator<ExecutionResult>,
  principal: Principal,
  bus: Pick<EventBus, 'iterate'> | undefined,
): AsyncIterableIterator<ExecutionResult> {
  let ending: ExecutionResult | undefined;
  let over = false;
  let wake: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (wake = resolve));
  const stopWatching = watchConnection(principal, bus, (reason, code) => {
    ending = { errors: [new AppError(code, reason)] };
    wake();
  });
  const finish = async () => {
    over = true;
    stopWatching();
    await source.return?.();
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      if (over) return { done: true, value: undefined };
      const next = await Promise.race([source.next(), ended.then(() => undefined)]);
      if (ending || !next || next.done) {
        await finish();
        return ending ? { done: false, value: ending } : { done: true, value: undefined };
      }
      return next;
    },
    return: async () => {
      await finish();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

/**
 * Subscription limits: per connection, and per tenant in this process (each replica counts its
 * own; operators and anonymous callers have no tenant place). A refusal is LIMIT_EXCEEDED.
 */
export class SubscriptionQuota {
  private readonly tenants = new Map<string, number>();

  constructor(private readonly limits: { perConnection: number; perTenant: number }) {}

  /** A place for one subscription (call the returned function to give it back), or the refusal. */
  take(context: RequestContext, connection?: ConnectionPlaces): (() => void) | GraphQLError {
    if (connection && connection.open >= this.limits.perConnection)
      return new AppError(
        'LIMIT_EXCEEDED',
        `At most ${this.limits.perConnection} subscriptions per connection`,
        { limit: 'subscriptionsPerConnection', max: this.limits.perConnection },
      );
    const tenant = context.principal.kind === 'user' ? context.principal.tenantId : undefined;
    const held = tenant ? (this.tenants.get(tenant) ?? 0) : 0;
    if (tenant && held >= this.limits.perTenant)
      return new AppError('LIMIT_EXCEEDED', 'This tenant has too many open subscriptions', {
        limit: 'subscriptionsPerTenant',
        max: this.limits.perTenant,
      });
    if (connection) connection.open++;
    if (tenant) this.tenants.set(tenant, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      if (connection) connection.open--;
      if (!tenant) return;
      const left = (this.tenants.get(tenant) ?? 1) - 1;
      if (left > 0) this.tenants.set(tenant, left);
      else this.tenants.delete(tenant);
    };
  }
}

/**
 * Runs one subscription for either transport: takes its places (refused past a limit), counts
 * it in the metrics while it is open, and gives everything back however it ends.
 */
export async function runSubscription(
  args: ExecutionArgs,
  options: {
    subscribe?: SubscribeFunction;
    quota?: SubscriptionQuota;
    metrics?: Pick<ServiceMetrics, 'subscriptions'>;
    transport: 'websocket' | 'multipart';
    connection?: ConnectionPlaces;
    /** Ends the subscription (UNAUTHENTICATED) when the caller's session ends (its bus says). */
    endsWithSession?: { bus?: Pick<EventBus, 'iterate'> };
  },
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const place = options.quota?.take(args.contextValue as RequestContext, options.connection);
  if (place instanceof GraphQLError) return { errors: [place] };
  let result: AsyncIterable<ExecutionResult> | ExecutionResult;
  try {
    result = await (options.subscribe ?? graphqlSubscribe)(args);
  } catch (error) {
    place?.();
    throw error;
  }
  if (!(Symbol.asyncIterator in result)) {
    place?.();
    return result;
  }
  if (options.endsWithSession) {
    const { principal } = args.contextValue as RequestContext;
    const source = result[Symbol.asyncIterator]();
    result = endingWithSession(source, principal, options.endsWithSession.bus);
  }
  return counted(result, () => {
    options.metrics?.subscriptions.inc({ transport: options.transport });
    return () => {
      options.metrics?.subscriptions.dec({ transport: options.transport });
      place?.();
    };
  });
}

import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerOptions, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import express, { type ErrorRequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import type { IncomingRequest, RequestContext } from '../auth/context';
import { createErrorFormatter } from '../errors';
import type { Logger } from '../logger';
import { errorCodesOf, type ServiceMetrics } from '../metrics';
import {
  serveSubscriptions,
  SubscriptionQuota,
  type SubscriptionServerOptions,
} from './subscriptions';
import { multipartSubscriptions } from './multipart';
import { serverTls, type ServerTlsSettings } from '../tls';

/** Copies the headers resolvers asked for (context.responseHeaders) onto the HTTP response. */
const responseHeadersPlugin: ApolloServerPlugin<{ responseHeaders?: Map<string, string> }> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        for (const [name, value] of contextValue.responseHeaders ?? [])
          response.http.headers.set(name, value);
      },
    };
  },
};

/**
 * One log line per GraphQL request, from the request's own logger (which carries its request
 * id): the tenant, the operation's name, the outcome and the error codes. Never the document,
 * variables or headers, so no token or personal data reaches the logs.
 */
export const requestLogPlugin: ApolloServerPlugin<Partial<RequestContext>> = {
  async requestDidStart({ contextValue }) {
    const started = performance.now();
    return {
      async willSendResponse({ operationName, errors }) {
        const log = contextValue.log;
        if (!log?.isLevelEnabled('info')) return;
        const principal = contextValue.principal;
        log.info(
          {
            tenantId: principal?.kind === 'user' ? principal.tenantId : undefined,
            operationName: operationName ?? undefined,
            outcome: errors?.length ? 'error' : 'success',
            errorCodes: errors?.length ? errorCodesOf(errors) : undefined,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
          },
          'graphql request',
        );
      },
    };
  },
};

/** A dependency that /readyz checks; it should answer within a second or two. */
export type ReadinessCheck = () => Promise<void>;

export interface GraphQLServiceOptions<TContext extends object> {
  name: string;
  host: string;
  port: number;
  production: boolean;
  /** Introspection and the Apollo Sandbox landing page (GET with Accept: text/html). */
  exploration: boolean;
  log: Logger;
  metrics: ServiceMetrics;
  readiness: Record<string, ReadinessCheck>;
  /** Apollo options specific to this service: a schema or a gateway. */
  apollo: Omit<ApolloServerOptions<TContext>, 'plugins' | 'formatError'> & {
    plugins?: ApolloServerPlugin<TContext>[];
  };
  context: (request: IncomingRequest) => Promise<TContext>;
  /** Express "trust proxy": whose X-Forwarded-For decides the client IP. */
  trustProxy?: string;
  /** The JWKS this service publishes at /.well-known/jwks.json, if it has one. */
  jwks?: () => Promise<unknown>;
  /** Extra cleanup after HTTP has drained (pools, Redis). */
  onStop?: () => Promise<void>;
  /** Browser origins allowed by CORS; none: no CORS headers (services behind the router). */
  corsOrigins?: string[];
  /** A built single-page app (index.html and its assets) served at `/`. */
  staticDir?: string;
  /** The largest request body accepted (bytes); larger ones get HTTP 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Serves subscriptions over WebSocket (graphql-ws) on /graphql; see serveSubscriptions. */
  subscriptions?: Pick<
    SubscriptionServerOptions<TContext>,
    'schema' | 'subscribe' | 'bus' | 'limits' | 'beforeSubscribe' | 'acceptCarriers'
  > & {
    /** How many subscriptions a connection, and a tenant at this replica, may hold. */
    quotas?: { perConnection: number; perTenant: number };
  };
  /** Serve HTTPS and wss from these files (serverTlsFromConfig), reloaded when they change. */
  tls?: ServerTlsSettings;
}

export interface RunningService {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

const READINESS_TIMEOUT_MS = 2_000;

function withTimeout(check: ReadinessCheck): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), READINESS_TIMEOUT_MS);
    check().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The HTTP shell of every service, the router included: /graphql, /healthz, /readyz and
 * /metrics, with the same error masking, metrics and graceful shutdown everywhere.
 */
export async function startGraphQLService<TContext extends object>(
  options: GraphQLServiceOptions<TContext>,
): Promise<RunningService> {
  const app = express();
  app.disable('x-powered-by');
  // Security headers. No content security policy with the landing page: Apollo Sandbox loads
  // its scripts from Apollo's CDN.
  app.use(helmet({ contentSecurityPolicy: options.exploration ? false : undefined }));
  if (options.corsOrigins?.length)
    // Bearer tokens, not cookies: no credentials mode. Clients may read Retry-After.
    app.use(cors({ origin: options.corsOrigins, exposedHeaders: ['Retry-After'], maxAge: 600 }));
  app.set('trust proxy', options.trustProxy ?? 'loopback');
  // Read before anything starts: unusable certificate files are a start-up error.
  const tls = options.tls && serverTls(options.tls);
  const httpServer: http.Server = tls
    ? https.createServer(tls.options, app)
    : http.createServer(app);

  const server = new ApolloServer<TContext>({
    ...(options.apollo as ApolloServerOptions<TContext>),
    introspection: options.exploration,
    includeStacktraceInErrorResponses: !options.production,
    // Shutdown is ours (stopOnSignals): Apollo's own handler re-raises the signal before our
    // cleanup (pools, Redis) has finished.
    stopOnTerminationSignals: false,
    // No "Did you mean …?" suggestions that would reveal field names in production.
    hideSchemaDetailsFromClientErrors: options.production,
    formatError: createErrorFormatter({ production: options.production }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Self-hosted: nothing is reported to Apollo's cloud.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      options.exploration
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
      options.metrics.plugin as ApolloServerPlugin<TContext>,
      responseHeadersPlugin as ApolloServerPlugin<TContext>,
      requestLogPlugin as ApolloServerPlugin<TContext>,
      ...(options.apollo.plugins ?? []),
    ],
  });
  await server.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check);
          checks[name] = 'ok';
        } catch (error) {
          checks[name] = 'unavailable';
          options.log.warn({ err: error, dependency: name }, 'readiness check failed');
        }
      }),
    );
    const ready = Object.values(checks).every((status) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  if (options.jwks) {
    const jwks = options.jwks;
    app.get('/.well-known/jwks.json', async (_req, res) => {
      try {
        res.set('Cache-Control', 'public, max-age=300').json(await jwks());
      } catch (error) {
        options.log.warn({ err: error }, 'JWKS unavailable');
        res.status(503).json({ error: 'JWKS unavailable' });
      }
    });
  }
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  const quota = options.subscriptions?.quotas
    ? new SubscriptionQuota(options.subscriptions.quotas)
    : undefined;
  const multipart = options.subscriptions
    ? [
        multipartSubscriptions({
          ...options.subscriptions,
          context: options.context,
          production: options.production,
          log: options.log,
          metrics: options.metrics,
          quota,
        }),
      ]
    : [];
  app.use(
    '/graphql',
    express.json({ limit: options.maxBodyBytes ?? 1024 * 1024 }),
    ...multipart,
    expressMiddleware(server, {
      context: async ({ req }) => options.context({ headers: req.headers, ip: req.ip }),
    }),
  );

  const closeSockets = options.subscriptions
    ? serveSubscriptions({
        httpServer,
        path: '/graphql',
        ...options.subscriptions,
        context: options.context,
        trustProxy: options.trustProxy ?? 'loopback',
        production: options.production,
        log: options.log,
        metrics: options.metrics,
        quota,
        maxPayloadBytes: options.maxBodyBytes,
      })
    : undefined;

  app.use(bodyErrors);
  if (options.staticDir) app.use(singlePageApp(options.staticDir));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${options.host}:${port}/graphql`;
  options.log.info(
    { url, ...(tls ? { certificate: tls.certificate, clientAuth: options.tls?.clientAuth } : {}) },
    `${options.name} listening`,
  );
  const stopWatchingTls = tls?.watch(httpServer as https.Server, options.log);
  // Refused handshakes (no or a wrong client certificate) are the peer's problem: debug only.
  if (tls)
    httpServer.on('tlsClientError', (error: Error) =>
      options.log.debug({ err: error }, 'TLS handshake refused'),
    );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopWatchingTls?.();
      // Open sockets would keep the HTTP server from draining: they close first (1001).
      await closeSockets?.();
      await server.stop();
      await options.onStop?.();
      options.log.info(`${options.name} stopped`);
    })();
    return stopping;
  };
  return { url, port, stop };
}

/** Fingerprinted build outputs (`app-3f9a1c2b.js`) never change under the same name. */
const FINGERPRINTED =
  /[.-](?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,}\.(?:js|css|woff2?|png|svg|jpg|webp|ico|map)$/;

/**
 * Serves a built single-page app: fingerprinted assets cached for a year, everything else
 * (index.html) revalidated on every load, and any other GET that asks for HTML answered with
 * index.html so that the app's own routes work on reload.
 */
function singlePageApp(dir: string): express.RequestHandler {
  const index = path.join(dir, 'index.html');
  const files = express.static(dir, {
    index: 'index.html',
    setHeaders: (res, file) =>
      res.setHeader(
        'Cache-Control',
        FINGERPRINTED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
  return (req, res, next) => {
    files(req, res, () => {
      // A route of the app (no file extension), asked for by a browser.
      const wantsPage = (req.headers.accept ?? '').includes('text/html');
      if (req.method !== 'GET' || path.extname(req.path) || !wantsPage) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index, (error) => error && next());
    });
  };
}

/** A body too large (413), not JSON (400) or unreadable (400/415) gets a GraphQL-shaped, coded answer. */
const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large')
    return res.status(413).json({
      errors: [
        {
          message: 'The request body is too large',
          extensions: { code: 'BAD_USER_INPUT', reason: 'BODY_TOO_LARGE' },
        },
      ],
    });
  if (type === 'entity.parse.failed')
    return res.status(400).json({
      errors: [
        {
          message: 'The request body is not valid JSON',
          extensions: { code: 'BAD_USER_INPUT', reason: 'BODY_NOT_JSON' },
        },
      ],
    });
  // The body parser's other refusals (an unsupported charset or Content-Encoding, a corrupt
  // gzip stream, an aborted body) are the client's too: their status, coded, never HTML.
  const status = (error as { status?: number }).status;
  if (status !== undefined && status >= 400 && status < 500)
    return res.status(status).json({
      errors: [
        {
          message:
            status === 415
              ? 'The request body has an unsupported charset or encoding'
              : 'The request body cannot be read',
          extensions: { code: 'BAD_USER_INPUT', reason: 'BODY_UNREADABLE' },
        },
      ],
    });
  return next(error);
};

/** How long a graceful stop may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Stops the service on SIGINT or SIGTERM, then exits. Ctrl-C in a terminal signals the whole
 * process group, and `npm start` forwards the signal as well, so repeats are expected and
 * ignored while the first stop drains; a stop that hangs is cut off after a timeout.
 */
export function stopOnSignals(service: RunningService, log: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

import type { Request, Response, NextFunction, RequestHandler } from 'express';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { IncomingRequest } from '../auth/context';
import { createErrorFormatter } from '../errors';
import type { Logger } from '../logger';
import {
  runSubscription,
  validateOperation,
  type OperationLimits,
  watchConnection,
  type SubscribeFunction,
  type SubscriptionQuota,
} from './subscriptions';
import type { RequestContext } from '../auth/context';
import type { EventBus } from '../events';
import type { ServiceMetrics } from '../metrics';

/** Apollo's multipart subscription protocol: the boundary is always "graphql". */
const CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
/**
 * Every part is closed by the boundary that follows it, as clients (Apollo Client's
 * readMultipartBody) take a part only once its closing boundary has arrived: a part left open
 * would wait in the client for the next event or heartbeat.
 */
const OPEN = '\r\n--graphql';
const PART = '\r\nContent-Type: application/json\r\n\r\n';
const CLOSE = '\r\n--graphql';
const END = '--\r\n';
const HEARTBEAT_MS = 5_000;

export interface MultipartOptions<TContext extends object> {
  schema: GraphQLSchema | (() => GraphQLSchema);
  subscribe?: SubscribeFunction;
  context: (request: IncomingRequest) => Promise<TContext>;
  production: boolean;
  log: Logger;
  heartbeatMs?: number;
  metrics?: Pick<ServiceMetrics, 'subscriptions'>;
  quota?: SubscriptionQuota;
  limits?: OperationLimits;
  /** Endings of sessions: a stream whose session ends is closed at once. */
  bus?: Pick<EventBus, 'iterate'>;
}

/**
 * Subscriptions over HTTP with Apollo's multipart protocol (what Apollo Client's HttpLink
 * speaks): a POST whose Accept asks for `multipart/mixed;subscriptionSpec=1.0` and whose
 * operation is a subscription gets a multipart response, one JSON part per event
 * (`{"payload": result}`) and a `{}` heartbeat every 5 s, until the stream ends or the client
 * goes. Anything else passes on to the ordinary handler.
 */
export function multipartSubscriptions<TContext extends object>(
  options: MultipartOptions<TContext>,
): RequestHandler {
  const formatError = createErrorFormatter({ production: options.production });
  const schemaOf = () => (typeof options.schema === 'function' ? options.schema() : options.schema);
  const format = (result: ExecutionResult) =>
    result.errors
      ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON())) }
      : result;
  const refuse = (res: Response, status: number, errors: readonly GraphQLError[]) =>
    res.status(status).json({ errors: errors.map((error) => formatError(error.toJSON())) });

  return async (req: Request, res: Response, next: NextFunction) => {
    if (
      !/multipart\/mixed/i.test(req.get('accept') ?? '') ||
      !/subscriptionSpec/i.test(req.get('accept') ?? '')
    )
      return next();
    const body = (req.body ?? {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    if (typeof body.query !== 'string') return next();
    let document: DocumentNode;
    try {
      document = parse(body.query, { maxTokens: options.limits?.maxTokens });
    } catch {
      return next(); // Apollo answers syntax errors (and the token limit) the usual way
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    // The operation the request names (or its only one): ambiguous documents are Apollo's to refuse.
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== 'subscription') return next();

    // Whatever happens from here on, a client that goes away releases everything at once.
    let gone = false;
    let release = () => undefined as void;
    res.on('close', () => {
      gone = true;
      release();
    });
    const variables =
      body.variables && typeof body.variables === 'object'
        ? (body.variables as Record<string, unknown>)
        : {};
    let contextValue: TContext;
    try {
      contextValue = await options.context({ headers: req.headers, ip: req.ip });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const http = error.extensions.http as
        { status?: number; headers?: Map<string, string> } | undefined;
      for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
      return refuse(res, http?.status ?? 400, [error]);
    }
    const schema = schemaOf();
    const invalid = validateOperation(schema, document, options.limits);
    if (invalid.length > 0) return refuse(res, 400, invalid);
    let result: Awaited<ReturnType<typeof runSubscription>>;
    try {
      result = await runSubscription(
        { schema, document, variableValues: variables, operationName, contextValue },
        {
          subscribe: options.subscribe,
          quota: options.quota,
          metrics: options.metrics,
          transport: 'multipart',
        },
      );
    } catch (error) {
      options.log.warn({ err: error }, 'multipart subscription failed to start');
      return refuse(res, 500, [new GraphQLError('Subscription failed')]);
    }
    if (!(Symbol.asyncIterator in result)) return res.status(200).json(format(result));

    const iterator = result[Symbol.asyncIterator]();
    if (gone || res.destroyed || req.socket.destroyed) {
      void iterator.return?.();
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-cache' });
    res.write(OPEN);
    let finished = false;
    const write = (json: unknown) => {
      if (!finished && !res.writableEnded && !res.destroyed)
        res.write(`${PART}${JSON.stringify(json)}${CLOSE}`);
    };
    const heartbeat = setInterval(() => write({}), options.heartbeatMs ?? HEARTBEAT_MS);
    const stopWatching = watchConnection(
      (contextValue as unknown as RequestContext).principal,
      options.bus,
      (reason, code) =>
        finish({ payload: null, errors: [{ message: reason, extensions: { code } }] }),
    );
    /** Ends the stream once, with a last part if given, and gives everything back. */
    function finish(last?: unknown) {
      if (finished) return;
      if (last !== undefined) write(last);
      finished = true;
      clearInterval(heartbeat);
      stopWatching();
      void iterator.return?.();
      if (!res.writableEnded && !res.destroyed) res.end(END);
    }
    release = () => finish();
    res.on('error', (error) => {
      options.log.debug({ err: error }, 'multipart response failed');
      finish();
    });
    write({});
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || finished) break;
        write({ payload: format(next.value) });
      }
      finish();
    } catch (error) {
      options.log.warn({ err: error }, 'multipart subscription failed');
      finish({ payload: null, errors: [formatError({ message: 'Subscription failed' })] });
    }
  };
}

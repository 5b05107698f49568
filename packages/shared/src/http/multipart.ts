import type { Request, Response, NextFunction, RequestHandler } from 'express';
import {
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { IncomingRequest } from '../auth/context';
import { createErrorFormatter } from '../errors';
import type { Logger } from '../logger';
import {
  checkOperation,
  runSubscription,
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
const PART = '\r\n--graphql\r\nContent-Type: application/json\r\n\r\n';
const END = '\r\n--graphql--\r\n';
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
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
    );
    if (operation?.operation !== 'subscription') return next();

    const schema = schemaOf();
    const checked = checkOperation(schema, body.query, options.limits);
    if (Array.isArray(checked)) return refuse(res, 400, checked as readonly GraphQLError[]);
    const variables =
      body.variables && typeof body.variables === 'object'
        ? (body.variables as Record<string, unknown>)
        : {};
    let contextValue: TContext;
    try {
      contextValue = await options.context({ headers: req.headers, ip: req.ip });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 400;
      return refuse(res, status, [error]);
    }
    const result = await runSubscription(
      { schema, document, variableValues: variables, operationName, contextValue },
      {
        subscribe: options.subscribe,
        quota: options.quota,
        metrics: options.metrics,
        transport: 'multipart',
      },
    );
    if (!(Symbol.asyncIterator in result)) return res.status(200).json(format(result));

    const iterator = result[Symbol.asyncIterator]();
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-cache' });
    const write = (json: unknown) => res.write(`${PART}${JSON.stringify(json)}`);
    write({});
    const heartbeat = setInterval(() => write({}), options.heartbeatMs ?? HEARTBEAT_MS);
    let open = true;
    const stopWatching = watchConnection(
      (contextValue as unknown as RequestContext).principal,
      options.bus,
      (reason) => {
        if (!open) return;
        write({
          payload: null,
          errors: [{ message: reason, extensions: { code: 'UNAUTHENTICATED' } }],
        });
        res.end(END);
      },
    );
    res.on('close', () => {
      open = false;
      clearInterval(heartbeat);
      stopWatching();
      void iterator.return?.();
    });
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || !open) break;
        write({ payload: format(next.value) });
      }
    } catch (error) {
      options.log.warn({ err: error }, 'multipart subscription failed');
      if (open) write({ payload: null, errors: [formatError({ message: 'Subscription failed' })] });
    } finally {
      clearInterval(heartbeat);
      if (open) res.end(END);
    }
  };
}

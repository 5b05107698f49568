import {
  buildOperationContext,
  executeQueryPlan,
  type ApolloGateway,
  type GraphQLDataSource,
} from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import { createClient, type Client } from 'graphql-ws';
import {
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import WebSocket from 'ws';
import { gatewayInternals, planOperation, type GatewayInternals } from './gateway-internals';
import { SubgraphClient } from './subgraph-client';
import {
  AppError,
  unauthenticated,
  WS_CLOSE,
  type Logger,
  type RequestContext,
} from '@tradesage/shared';

/** A subgraph's close codes that mean the caller's credentials, told to the client coded. */
const UPSTREAM_CLOSES: Record<number, () => GraphQLError> = {
  [WS_CLOSE.UNAUTHENTICATED]: () => unauthenticated('This session has ended; sign in again'),
  [WS_CLOSE.FORBIDDEN]: () => new AppError('TENANT_SUSPENDED', 'This tenant is suspended'),
};

/** The fetch of a plan that the subscription's events stand in for. */
const EVENT_SOURCE = '__subscription_event__';

/**
 * Federated subscriptions: the gateway's query planner gives a SubscriptionNode whose `primary`
 * fetch goes to the subgraph that owns the field; the router subscribes to that subgraph over
 * graphql-ws with the caller's token, and for every event runs the plan's `rest` through the
 * gateway's executor, so fields of other subgraphs (session.user.email) resolve as in a query.
 */
export class FederatedSubscriptions {
  constructor(
    private readonly gateway: ApolloGateway,
    private readonly log: Logger,
  ) {}

  /** The API schema, to validate operations against; it follows the gateway's reloads. */
  schema = (): GraphQLSchema => {
    const schema = this.internals().schema;
    if (!schema) throw new Error('The gateway has not loaded its supergraph yet');
    return schema;
  };

  subscribe = async (
    args: ExecutionArgs,
  ): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> => {
    const internals = this.internals();
    const { apiSchema, supergraphSchema, queryPlanner, schema } = internals;
    if (!apiSchema || !supergraphSchema || !queryPlanner || !schema)
      return { errors: [new GraphQLError('The router is starting; try again')] };
    const operationName = args.operationName ?? undefined;
    let plan: QueryPlan;
    try {
      plan = planOperation({ apiSchema, queryPlanner }, args.document, operationName);
    } catch (error) {
      // A document the planner cannot take is the client's problem, told without internals.
      const message =
        error instanceof GraphQLError ? error.message : 'The operation cannot be planned';
      return { errors: [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })] };
    }
    if (plan.node?.kind !== 'Subscription')
      return { errors: [new GraphQLError('Expected a subscription operation')] };
    const { primary, rest } = plan.node;
    const context = args.contextValue as RequestContext;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const operationContext = buildOperationContext({
      schema,
      operationDocument: args.document,
      operationName,
    });
    const upstream = this.connect(primary.serviceName, context);
    const events = upstream.iterate<Record<string, unknown>>({
      query: primary.operation,
      operationName: primary.operationName ?? undefined,
      variables: pick(variables, primary.variableUsages),
    });
    const eventPlan: QueryPlan = {
      kind: 'QueryPlan',
      node: rest
        ? { kind: 'Sequence', nodes: [asEventFetch(primary), rest] }
        : asEventFetch(primary),
    };
    const serviceMap = Object.fromEntries(
      Object.entries(internals.serviceMap).map(([name, { dataSource }]) => [name, dataSource]),
    );
    const requestContext = {
      request: { query: args.document.loc?.source.body, variables, operationName },
      context,
      logger: this.log,
      cache: undefined,
      metrics: {},
      overallCachePolicy: undefined,
    } as never;
    /** One event of the owning subgraph, completed across the other subgraphs. */
    const complete = async (event: FormattedExecutionResult<Record<string, unknown>, unknown>) => {
      if (event.errors?.length || !event.data)
        return { errors: (event.errors ?? []).map(toGraphQLError) } as ExecutionResult;
      const data = event.data;
      const eventSource: GraphQLDataSource = { process: async () => ({ data }) };
      return (await executeQueryPlan(
        eventPlan,
        { ...serviceMap, [EVENT_SOURCE]: eventSource },
        requestContext,
        operationContext,
        supergraphSchema,
        apiSchema,
      )) as ExecutionResult;
    };
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await events.return?.();
      await upstream.dispose();
    };
    // A plain iterator, not an async generator: return() (the client went away) must close the
    // upstream subscription at once, even while next() waits for an event.
    const results: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => results,
      next: async () => {
        try {
          const event = await events.next();
          if (event.done) {
            await close();
            return { done: true, value: undefined };
          }
          return { done: false, value: await complete(event.value) };
        } catch (error) {
          await close();
          // The subgraph closed the socket: its code says why (the session ended, say).
          const refusal = UPSTREAM_CLOSES[(error as { code?: number }).code ?? 0];
          if (refusal) return { done: false, value: { errors: [refusal()] } };
          throw error;
        }
      },
      return: async () => {
        await close();
        return { done: true, value: undefined };
      },
    };
    return results;
  };

  /** A subgraph serves graphql-ws on the URL its queries go to. */
  private connect(serviceName: string, context: RequestContext): Client {
    const dataSource = this.internals().serviceMap[serviceName]?.dataSource;
    if (!(dataSource instanceof SubgraphClient))
      throw new Error(`No subgraph ${serviceName} to subscribe at`);
    return createClient({
      url: dataSource.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: {
        ...(context.authorization ? { authorization: context.authorization } : {}),
      },
      retryAttempts: 0,
      lazy: true,
    });
  }

  private internals(): GatewayInternals {
    return gatewayInternals(this.gateway);
  }
}

/** The primary fetch, answered by the event at hand instead of a subgraph. */
function asEventFetch(primary: FetchNode): FetchNode {
  return { ...primary, serviceName: EVENT_SOURCE };
}

function pick(values: Record<string, unknown>, names: readonly string[] | undefined) {
  return Object.fromEntries(
    (names ?? []).filter((name) => name in values).map((name) => [name, values[name]]),
  );
}

function toGraphQLError(error: { message: string; extensions?: Record<string, unknown> }) {
  return new GraphQLError(error.message, { extensions: error.extensions });
}

import {
  buildOperationContext,
  executeQueryPlan,
  type ApolloGateway,
  type GraphQLDataSource,
} from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import { createClient, type Client } from 'graphql-ws';
import { LRUCache } from 'lru-cache';
import {
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import WebSocket from 'ws';
import { gatewayInternals, planOperation, type GatewayInternals } from './gateway-internals';
import {
  compileResponseShape,
  runsFast,
  shapeResponse,
  type ResponseShape,
} from './query-executor';
import { SubgraphClient } from './subgraph-client';
import {
  AppError,
  CARRIER_CONNECTION_PARAMS,
  type Logger,
  type ReloadingClientTls,
  type RequestContext,
} from '@tradesage/shared';

/** The fetch of a plan that the subscription's events stand in for. */
const EVENT_SOURCE = '__subscription_event__';

/**
 * Federated subscriptions: the gateway's query planner gives a SubscriptionNode whose `primary`
 * fetch goes to the subgraph that owns the field; the router subscribes to that subgraph over
 * graphql-ws with the caller's token, and for every event runs the plan's `rest` through the
 * gateway's executor, so fields of other subgraphs (session.user.email) resolve as in a query.
 *
 * All subscriptions to one subgraph share one carrier socket (CARRIER_CONNECTION_PARAMS), each
 * subscribe message bringing its caller's token: a router holding N client sockets needs N file
 * descriptors, not 2N, and the subgraph one socket per router, not per subscriber.
 */
export class FederatedSubscriptions {
  private readonly carriers = new Map<string, Client>();
  /** Per operation (its text and name): its plan, as in queries; a new supergraph clears it. */
  private readonly plans = new LRUCache<string, PlannedSubscription>({ max: 1_000 });

  /** What carriers connect with: `ws`, with the router's client TLS when it has one. */
  private readonly webSocketImpl: WebSocketClass;

  constructor(
    private readonly gateway: ApolloGateway,
    private readonly log: Logger,
    /** The same client certificate and CA bundle as the router's HTTP fetches (SUBGRAPH_TLS_*). */
    tls?: ReloadingClientTls,
  ) {
    gateway.onSchemaLoadOrUpdate(() => this.plans.clear());
    this.webSocketImpl = tls ? webSocketWithTls(tls) : WebSocket;
  }

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
    const text = args.document.loc?.source.body;
    const key = text === undefined ? undefined : `${text}\n${operationName ?? ''}`;
    let planned = key === undefined ? undefined : this.plans.get(key);
    if (!planned) {
      try {
        planned = planSubscription(internals, args.document, operationName);
      } catch (error) {
        // A document the planner cannot take is the client's problem, told without internals.
        const message =
          error instanceof GraphQLError ? error.message : 'The operation cannot be planned';
        return { errors: [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })] };
      }
      if (key !== undefined) this.plans.set(key, planned);
    }
    if (!planned.primary)
      return { errors: [new GraphQLError('Expected a subscription operation')] };
    const { primary, eventPlan, operationContext, eventShape } = planned;
    const context = args.contextValue as RequestContext;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const events = this.carrier(primary.serviceName).iterate<Record<string, unknown>>({
      query: primary.operation,
      operationName: primary.operationName ?? undefined,
      variables: pick(variables, primary.variableUsages),
      extensions: context.authorization ? { authorization: context.authorization } : {},
    });
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
      // An event that needs no other subgraph is shaped directly (the common case), and only
      // what the shape cannot take (a null in a non-null field, say) goes to the executor.
      const shaped = eventShape && shapeResponse(data, eventShape);
      if (shaped) return { data: shaped } as ExecutionResult;
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
          // The subgraph refused the operation (its errors, coded), or the carrier went away.
          if (Array.isArray(error))
            return { done: false, value: { errors: error.map(toGraphQLError) } };
          // Logged once per carrier when it closes (below), not once per subscription on it.
          this.log.debug({ code: (error as { code?: number }).code }, 'subscription interrupted');
          return { done: false, value: { errors: [interrupted()] } };
        }
      },
      return: async () => {
        await close();
        return { done: true, value: undefined };
      },
    };
    return results;
  };

  /** Closes the carrier sockets (the router is stopping). */
  async close(): Promise<void> {
    const carriers = [...this.carriers.values()];
    this.carriers.clear();
    await Promise.all(carriers.map((carrier) => carrier.dispose()));
  }

  /**
   * The carrier to a subgraph (it serves graphql-ws on the URL its queries go to). Lazy: it
   * connects with the first subscription and closes after the last; a carrier that drops fails
   * its subscriptions (the clients subscribe again) and reconnects with the next one.
   */
  private carrier(serviceName: string): Client {
    const dataSource = this.internals().serviceMap[serviceName]?.dataSource;
    if (!(dataSource instanceof SubgraphClient))
      throw new Error(`No subgraph ${serviceName} to subscribe at`);
    const url = dataSource.url.replace(/^http/, 'ws');
    let carrier = this.carriers.get(url);
    if (!carrier) {
      carrier = createClient({
        url,
        webSocketImpl: this.webSocketImpl,
        connectionParams: CARRIER_CONNECTION_PARAMS,
        retryAttempts: 0,
        lazy: true,
        // A silent dead peer is found within a minute, not at the next event.
        keepAlive: 30_000,
        on: {
          closed: (event) => {
            const { code, reason } = event as { code?: number; reason?: string };
            // 1000: closed after its last subscription (lazy); anything else ended them all.
            if (code !== 1000)
              this.log.warn({ subgraph: serviceName, code, reason }, 'subscription carrier closed');
          },
        },
      });
      this.carriers.set(url, carrier);
    }
    return carrier;
  }

  private internals(): GatewayInternals {
    return gatewayInternals(this.gateway);
  }
}

/**
 * `ws` with the router's client TLS: graphql-ws constructs sockets with a URL and protocols
 * only, so the options ride on a subclass. Each new socket takes the secure context of the
 * moment, so a carrier that reconnects after a reload presents the new client certificate.
 */
function webSocketWithTls(tls: ReloadingClientTls): WebSocketClass {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      // ws hands its options to https.request, and so to tls.connect, which takes a
      // secureContext; @types/ws only lists the PEM options.
      super(address, protocols, { secureContext: tls.secureContext } as WebSocket.ClientOptions);
    }
  };
}

/** How graphql-ws constructs a socket. */
type WebSocketClass = new (address: string | URL, protocols?: string | string[]) => WebSocket;

interface PlannedSubscription {
  /** The subscription at the subgraph that owns the field (none: not a subscription). */
  primary?: FetchNode;
  /** The rest of the plan per event, the event standing in for the primary fetch. */
  eventPlan: QueryPlan;
  operationContext: ReturnType<typeof buildOperationContext>;
  /** When the event alone answers the operation: the shape that copies the response out. */
  eventShape?: ResponseShape;
}

function planSubscription(
  internals: GatewayInternals,
  document: DocumentNode,
  operationName: string | undefined,
): PlannedSubscription {
  const { apiSchema, queryPlanner, schema } = internals;
  const plan = planOperation(
    { apiSchema: apiSchema!, queryPlanner: queryPlanner! },
    document,
    operationName,
  );
  const operationContext = buildOperationContext({
    schema: schema!,
    operationDocument: document,
    operationName,
  });
  if (plan.node?.kind !== 'Subscription') return { eventPlan: plan, operationContext };
  const { primary, rest } = plan.node;
  const eventPlan: QueryPlan = {
    kind: 'QueryPlan',
    node: rest ? { kind: 'Sequence', nodes: [asEventFetch(primary), rest] } : asEventFetch(primary),
  };
  const subscriptionType = schema!.getSubscriptionType();
  const eventShape =
    !rest && runsFast(primary) && subscriptionType
      ? compileResponseShape(schema!, document, operationContext.operation, subscriptionType)
      : false;
  return { primary, eventPlan, operationContext, eventShape: eventShape || undefined };
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

/** The subgraph's socket went away mid-subscription: the client should subscribe again. */
function interrupted(): GraphQLError {
  return new AppError('SERVICE_UNAVAILABLE', 'The subscription was interrupted; subscribe again');
}

function toGraphQLError(error: { message: string; extensions?: Record<string, unknown> }) {
  return new GraphQLError(error.message, { extensions: error.extensions });
}

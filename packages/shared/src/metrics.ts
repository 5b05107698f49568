import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestContext } from './auth/context';
import { clientErrorCode, type ErrorCode } from './errors';

/** Metric names and labels that every service shares, so one dashboard reads them all. */
export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'operation' | 'outcome'>;
  requestDuration: Histogram<'operation' | 'outcome'>;
  /** Open subscriptions, by transport (websocket, multipart). */
  subscriptions: Gauge<'transport'>;
  /** Open WebSocket connections. */
  sockets: Gauge;
  plugin: ApolloServerPlugin;
}

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Clients choose operation names, so labels are capped to keep series bounded. */
const MAX_OPERATION_LABELS = 500;
/** Per-tenant series are capped the same way; tenants past the cap count as `other`. */
const MAX_TENANT_LABELS = 1_000;

/** The distinct client codes of a response's errors (what clients, logs and metrics all see). */
export function errorCodesOf(errors: readonly GraphQLError[] | undefined): ErrorCode[] {
  return [...new Set((errors ?? []).map((error) => clientErrorCode(error).code))];
}

/** Keeps the first `max` values of a label; the rest become `other`. */
function cappedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total break the Prometheus naming rules (promtool check metrics); each is the
  // sum of the per-type gauge of the same name without the suffix, which stays.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);

  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL operations handled, by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL operation duration in seconds, by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors in GraphQL responses, by the code clients see (one per code per response)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const tenantRequests = new Counter({
    name: 'graphql_tenant_requests_total',
    help: 'GraphQL operations of signed-in tenant users, by tenant slug (the first 1000 tenants; then other)',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });

  const operationNameLabel = cappedLabel(MAX_OPERATION_LABELS);
  const operationLabel = (name: string | null | undefined): string =>
    !name || !OPERATION_NAME.test(name) ? 'anonymous' : operationNameLabel(name);
  const tenantLabel = cappedLabel(MAX_TENANT_LABELS);

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const stopTimer = requestDuration.startTimer();
      return {
        async willSendResponse(requestContext) {
          const outcome = requestContext.errors?.length ? 'error' : 'success';
          const operation = operationLabel(requestContext.operationName);
          requests.inc({ operation, outcome });
          stopTimer({ operation, outcome });
          for (const code of errorCodesOf(requestContext.errors)) errors.inc({ code });
          const principal = (requestContext.contextValue as Partial<RequestContext>).principal;
          if (principal?.kind === 'user')
            tenantRequests.inc({ tenant: tenantLabel(principal.tenantSlug) });
        },
      };
    },
  };

  const subscriptions = new Gauge({
    name: 'graphql_subscriptions_active',
    help: 'Subscriptions open now, by transport',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  const sockets = new Gauge({
    name: 'websocket_connections_active',
    help: 'WebSocket connections open now',
    registers: [registry],
  });

  return { registry, requests, requestDuration, subscriptions, sockets, plugin };
}

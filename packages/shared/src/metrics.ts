import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  const seen = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_LABELS) return 'other';
    seen.add(name);
    return name;
  };

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const stopTimer = requestDuration.startTimer();
      return {
        async willSendResponse(requestContext) {
          const outcome = requestContext.errors?.length ? 'error' : 'success';
          const operation = operationLabel(requestContext.operationName);
          requests.inc({ operation, outcome });
          stopTimer({ operation, outcome });
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

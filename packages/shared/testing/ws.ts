import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface WatchedSubscription<T> {
  client: Client;
  /** Every `data` received, in order. */
  events: T[];
  /** Error results received (a subscription can deliver errors and go on). */
  errors: unknown[];
  /** The stream completed normally. */
  completed(): boolean;
  /** Why the stream failed (the socket closed, or the server refused the operation). */
  failure(): unknown;
  /** Close codes the socket got, in order. */
  closeCodes: number[];
  dispose(): Promise<void>;
}

/**
 * Subscribes over graphql-ws (`graphql-transport-ws`) as a client would, with the token in
 * `connection_init`, and collects what arrives, for tests against a router or a subgraph.
 */
export function watchSubscription<T>(options: {
  url: string;
  token?: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Picks the event out of each result's data. */
  select: (data: Record<string, unknown>) => T;
}): WatchedSubscription<T> {
  const closeCodes: number[] = [];
  const client = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  let failure: unknown;
  const iterator = client.iterate<Record<string, unknown>>({
    query: options.query,
    variables: options.variables,
  });
  void (async () => {
    try {
      for await (const result of iterator) {
        if (result.errors) errors.push(...result.errors);
        if (result.data) events.push(options.select(result.data));
      }
      completed = true;
    } catch (error) {
      failure = error;
    }
  })();
  return {
    client,
    events,
    errors,
    completed: () => completed,
    failure: () => failure,
    closeCodes,
    dispose: async () => {
      await client.dispose();
    },
  };
}

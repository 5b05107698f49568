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

/** A subscription as a test client sends it. */
export interface SubscriptionRequest<T> {
  /** The service's HTTP URL (`/graphql`); WebSocket clients switch the scheme. */
  url: string;
  token?: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Picks the event out of each result's data. */
  select: (data: Record<string, unknown>) => T;
  /** More request headers (multipart only: it is one HTTP request). */
  headers?: Record<string, string>;
}

/**
 * Subscribes over graphql-ws (`graphql-transport-ws`) as a client would, with the token in
 * `connection_init`, and collects what arrives, for tests against a router or a subgraph.
 */
export function watchSubscription<T>(options: SubscriptionRequest<T>): WatchedSubscription<T> {
  const closeCodes: number[] = [];
  const client = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // The close is recorded (closeCodes, failure); the default would print it to the console.
    onNonLazyError: () => undefined,
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

export interface WatchedMultipart<T> {
  /** The HTTP status and content type of the response. */
  response(): { status: number; contentType: string | null } | undefined;
  events: T[];
  errors: unknown[];
  /** Empty `{}` parts (the first part, then heartbeats). */
  heartbeats(): number;
  completed(): boolean;
  /** The body of a response that was not multipart (an error answer). */
  body(): unknown;
  /** The response as it arrived: its headers and its whole text so far. */
  raw(): { headers: string; text: string };
  /** The response is over, however it ended (completed, refused, aborted, failed). */
  ended(): boolean;
  abort(): void;
}

/**
 * Subscribes with Apollo's multipart HTTP protocol as Apollo Client's HttpLink does (POST,
 * `Accept: multipart/mixed;subscriptionSpec="1.0"`) and collects the parts as they arrive.
 */
export function watchMultipart<T>(options: SubscriptionRequest<T>): WatchedMultipart<T> {
  const controller = new AbortController();
  const events: T[] = [];
  const errors: unknown[] = [];
  let heartbeats = 0;
  let completed = false;
  let response: { status: number; contentType: string | null } | undefined;
  let body: unknown;
  let headers = '';
  let text = '';
  let ended = false;
  void (async () => {
    const reply = await fetch(options.url, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query: options.query, variables: options.variables }),
    });
    response = { status: reply.status, contentType: reply.headers.get('content-type') };
    headers = [...reply.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    if (!response.contentType?.startsWith('multipart/mixed')) {
      text = await reply.text();
      body = JSON.parse(text);
      return;
    }
    const decoder = new TextDecoder();
    let buffered = '';
    /** Handles one part; false if it is not complete yet (its JSON does not parse). */
    const handle = (part: string): boolean => {
      if (part.startsWith('--')) {
        completed = true;
        return true;
      }
      const start = part.indexOf('\r\n\r\n');
      if (start < 0) return false;
      let parsed: {
        payload?: { data?: Record<string, unknown>; errors?: unknown[] } | null;
        /** Transport errors: the stream ends after them. */
        errors?: unknown[];
      };
      try {
        parsed = JSON.parse(part.slice(start + 4));
      } catch {
        return false;
      }
      if (parsed.errors) errors.push(...parsed.errors);
      else if (!parsed.payload) heartbeats++;
      if (parsed.payload?.errors) errors.push(...parsed.payload.errors);
      if (parsed.payload?.data) events.push(options.select(parsed.payload.data));
      return true;
    };
    for await (const chunk of reply.body as unknown as AsyncIterable<Uint8Array>) {
      const decoded = decoder.decode(chunk, { stream: true });
      text += decoded;
      buffered += decoded;
      const parts = buffered.split('\r\n--graphql');
      buffered = parts.pop() ?? '';
      // Like Apollo Client, a part counts once the boundary closing it has arrived.
      for (const part of parts) if (part) handle(part);
    }
    completed = true;
  })()
    .catch(() => undefined)
    .finally(() => (ended = true));
  return {
    response: () => response,
    events,
    errors,
    heartbeats: () => heartbeats,
    completed: () => completed,
    body: () => body,
    raw: () => ({ headers, text }),
    ended: () => ended,
    abort: () => controller.abort(),
  };
}

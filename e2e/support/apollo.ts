/**
 * Apollo Client 4 as the React app uses it, pointed at the stack's router: queries and
 * mutations over `HttpLink`, subscriptions either over Apollo's multipart HTTP protocol (the
 * same `HttpLink`) or over graphql-ws (`GraphQLWsLink`). Results come back as an `Outcome` (data,
 * error codes, HTTP status) so that tests can assert on refusals as plainly as on successes.
 * Every client made here is stopped by `stopApolloClients()` (call it in afterAll).
 */
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  CombinedProtocolErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
  type ErrorLike,
  type OperationVariables,
  type TypedDocumentNode,
} from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getOperationAST } from 'graphql';
import { createClient } from 'graphql-ws';
import { tap } from 'rxjs';
import WebSocket from 'ws';

export interface ApolloClientOptions {
  /** The router's HTTP URL (`…/graphql`). */
  url: string;
  /** The access token, read at every request and subscription; none: anonymous. */
  token?: () => string | undefined;
  /** Headers sent on every HTTP request (a device's User-Agent, X-Forwarded-For). */
  headers?: Record<string, string>;
}

/** An Apollo Client and how to stop it; `closeCodes` are its WebSocket's (graphql-ws only). */
export interface TestApolloClient {
  apollo: ApolloClient;
  transport: 'http' | 'websocket';
  closeCodes: number[];
  stop(): Promise<void>;
}

const open = new Set<TestApolloClient>();
/** The subscriptions (`watch`) open on each client, ended when it stops. */
const watching = new WeakMap<ApolloClient, Set<{ unsubscribe(): void }>>();

/** No cache (every operation goes to the router), and errors come back with the data. */
const POLICIES = { fetchPolicy: 'no-cache', errorPolicy: 'all' } as const;

/** Where a request's HTTP status is written (passed in its context). */
interface StatusProbe {
  status?: number;
}

/** Sets the Authorization header (and the fixed ones) at request time; records the HTTP status. */
function httpPrelude(options: ApolloClientOptions): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const token = options.token?.();
    operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
      headers: {
        ...headers,
        ...options.headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    }));
    const record = () => {
      const { response, probe } = operation.getContext() as {
        response?: Response;
        probe?: StatusProbe;
      };
      if (probe && response) probe.status = response.status;
    };
    return forward(operation).pipe(tap({ next: record, error: record }));
  });
}

function track(
  client: Omit<TestApolloClient, 'stop'>,
  dispose: () => void | Promise<void> = () => undefined,
) {
  const tracked: TestApolloClient = {
    ...client,
    stop: async () => {
      open.delete(tracked);
      for (const subscription of watching.get(client.apollo) ?? []) subscription.unsubscribe();
      client.apollo.stop();
      await dispose();
    },
  };
  open.add(tracked);
  return tracked;
}

/**
 * Queries, mutations and multipart subscriptions over HTTP (HttpLink asks for
 * `multipart/mixed;subscriptionSpec=1.0` for subscription operations).
 */
export function createApolloClient(options: ApolloClientOptions): TestApolloClient {
  const apollo = new ApolloClient({
    link: ApolloLink.from([httpPrelude(options), new HttpLink({ uri: options.url })]),
    cache: new InMemoryCache(),
    // Two identical subscriptions are two subscriptions, not one shared.
    queryDeduplication: false,
  });
  return track({ apollo, transport: 'http', closeCodes: [] });
}

/**
 * Subscriptions over graphql-ws (`graphql-transport-ws`), the token in `connection_init`. The
 * socket opens with the first subscription and closes after the last; it does not reconnect.
 */
export function createWsApolloClient(options: ApolloClientOptions): TestApolloClient {
  const closeCodes: number[] = [];
  const ws = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: () => {
      const token = options.token?.();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 0,
    on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
  });
  const apollo = new ApolloClient({
    link: new GraphQLWsLink(ws),
    cache: new InMemoryCache(),
    queryDeduplication: false,
  });
  return track({ apollo, transport: 'websocket', closeCodes }, () => ws.dispose());
}

/** Stops every client made here (and with them their subscriptions and sockets). */
export async function stopApolloClients(): Promise<void> {
  await Promise.all([...open].map((client) => client.stop()));
}

/** What an operation gave: data, the codes of its errors, and (over HTTP) the status. */
export interface Outcome<TData> {
  data: TData | undefined;
  /** `extensions.code` of every error, in order (HTTP error bodies included). */
  codes: string[];
  status: number | undefined;
  error: ErrorLike | undefined;
}

/** The error codes an Apollo error carries, whatever kind it is. */
export function codesOf(error: ErrorLike | undefined): string[] {
  if (!error) return [];
  const code = (e: { extensions?: Record<string, unknown> }) => String(e.extensions?.code);
  if (CombinedGraphQLErrors.is(error) || CombinedProtocolErrors.is(error))
    return error.errors.map(code);
  if (ServerError.is(error)) {
    try {
      return ((JSON.parse(error.bodyText) as { errors?: [] }).errors ?? []).map(code);
    } catch {
      return [`HTTP ${error.statusCode}`];
    }
  }
  return [error.name];
}

/** Variables, optional when the operation has no required ones. */
export type VariablesOf<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

/** Runs a query or mutation (by the document's operation type) and never throws for errors. */
export async function run<TData, TVariables extends OperationVariables>(
  client: TestApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  ...[variables]: VariablesOf<TVariables>
): Promise<Outcome<TData>> {
  const probe: StatusProbe = {};
  const context = { probe };
  const type = getOperationAST(document)?.operation;
  let result: { data?: unknown; error?: ErrorLike };
  try {
    result =
      type === 'mutation'
        ? await client.apollo.mutate({
            mutation: document,
            variables,
            context,
            ...POLICIES,
          } as never)
        : await client.apollo.query({ query: document, variables, context, ...POLICIES } as never);
  } catch (error) {
    result = { error: error as ErrorLike };
  }
  const status = ServerError.is(result.error) ? result.error.statusCode : probe.status;
  return {
    data: (result.data ?? undefined) as TData | undefined,
    codes: codesOf(result.error),
    status,
    error: result.error,
  };
}

/** A subscription as it goes: its events, its errors, whether it has ended. */
export interface Watched<TData> {
  events: TData[];
  codes: string[];
  /** Errors that carry no GraphQL code (a socket closed, a network failure). */
  failures: ErrorLike[];
  ended(): boolean;
  stop(): void;
}

/** Subscribes through the client's link (multipart HTTP or graphql-ws) and collects results. */
export function watch<TData, TVariables extends OperationVariables>(
  client: TestApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  ...[variables]: VariablesOf<TVariables>
): Watched<TData> {
  const events: TData[] = [];
  const codes: string[] = [];
  const failures: ErrorLike[] = [];
  let ended = false;
  const subscription = client.apollo
    .subscribe({ query: document, variables, ...POLICIES } as never)
    .subscribe({
      next: (result: { data?: unknown; error?: ErrorLike }) => {
        if (result.data) events.push(result.data as TData);
        const errorCodes = codesOf(result.error);
        if (result.error && errorCodes[0] === result.error.name) failures.push(result.error);
        else codes.push(...errorCodes);
      },
      error: (error: ErrorLike) => {
        failures.push(error);
        ended = true;
      },
      complete: () => {
        ended = true;
      },
    });
  const open = watching.get(client.apollo) ?? new Set();
  watching.set(client.apollo, open.add(subscription));
  return {
    events,
    codes,
    failures,
    ended: () => ended,
    stop: () => {
      open.delete(subscription);
      subscription.unsubscribe();
    },
  };
}

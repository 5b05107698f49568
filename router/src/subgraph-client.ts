import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Histogram } from 'prom-client';
import { buildConnector, Pool } from 'undici';
import {
  ISSUED_TOKEN_HEADER,
  type ReloadingClientTls,
  type RequestContext,
} from '@tradesage/shared';

/** Per-operation state of the router, beside the request context. */
export interface RouterContext extends RequestContext {
  /** A token the auth subgraph issued during this operation (login): the rest of it runs as that user. */
  issuedAuthorization?: string;
  /**
   * Set by the query executor while it runs a query: every subgraph answer of the query, by
   * subgraph and request body, so that a rerun on the gateway's executor (after a subgraph
   * error) reuses what was already fetched, failures included, instead of asking again.
   */
  subgraphAnswers?: Map<string, Promise<SubgraphAnswer>>;
}

/**
 * A subgraph's answer: the parsed response for its first reader, and the text, from which a
 * later reader (the gateway's rerun) parses a copy of its own, since readers change what they get.
 */
interface SubgraphAnswer {
  status: number;
  text: string;
  response?: GatewayGraphQLResponse;
}

export interface SubgraphClientOptions {
  name: string;
  url: string;
  /** Only the auth subgraph may hand the router a token for the rest of an operation. */
  issuesTokens: boolean;
  fetchDuration: Histogram<'subgraph' | 'outcome'>;
  /** How long a subgraph may take to answer a fetch. */
  timeoutMs: number;
  /** The client certificate and CA bundle for an https:// subgraph (SUBGRAPH_TLS_*). */
  tls?: ReloadingClientTls;
}

/** Idle connections to a subgraph stay open this long, so fetches rarely pay for a handshake. */
const KEEP_ALIVE_MS = 30_000;

/**
 * The router's connection to one subgraph: a keep-alive pool (undici) that every fetch of every
 * operation shares. It forwards the caller's token, request id, client address and user agent,
 * so each subgraph verifies the token itself and records where requests come from.
 *
 * It stands in for the gateway's RemoteGraphQLDataSource, which builds a fetch Request and a
 * Headers object per fetch and goes through a caching HTTP client the router does not use.
 */
export class SubgraphClient implements GraphQLDataSource<RouterContext> {
  readonly url: string;
  private readonly path: string;
  private readonly pool: Pool;

  constructor(private readonly options: SubgraphClientOptions) {
    const url = new URL(options.url);
    this.url = options.url;
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      keepAliveTimeout: KEEP_ALIVE_MS,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(options.tls ? { connect: reloadingConnector(options.tls) } : {}),
    });
  }

  async process(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = options.context as Partial<RouterContext>;
    const body = JSON.stringify({
      query: request.query,
      operationName: request.operationName,
      variables: request.variables,
    });
    const answers = context.subgraphAnswers;
    const key = `${this.options.name}\n${body}`;
    let answer = answers?.get(key);
    if (!answer) {
      answer = this.fetch(body, context);
      answers?.set(key, answer);
    }
    const received = await answer;
    const first = received.response;
    if (first) {
      received.response = undefined;
      return first;
    }
    return parseResponse(this.options.name, received.status, received.text);
  }

  private async fetch(body: string, context: Partial<RouterContext>): Promise<SubgraphAnswer> {
    const stop = this.options.fetchDuration.startTimer({ subgraph: this.options.name });
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: forwardedHeaders(context),
        body,
      });
      const issued = this.options.issuesTokens && response.headers[ISSUED_TOKEN_HEADER];
      if (typeof issued === 'string') context.issuedAuthorization = `Bearer ${issued}`;
      const status = response.statusCode;
      const text = await response.body.text();
      const parsed = parseResponse(this.options.name, status, text);
      stop({ outcome: parsed.errors?.length ? 'error' : 'success' });
      return { status, text, response: parsed };
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Opens each new connection with the TLS files as they are now: after a reload, new connections
 * present the new client certificate (and trust the new CA), while open keep-alive connections
 * finish with the old one. undici verifies the certificate and the URL's host name as always.
 */
function reloadingConnector(tls: ReloadingClientTls): buildConnector.connector {
  let built = { version: -1, connect: undefined as unknown as buildConnector.connector };
  return (options, callback) => {
    if (built.version !== tls.version)
      built = {
        version: tls.version,
        connect: buildConnector({ secureContext: tls.secureContext }),
      };
    built.connect(options, callback);
  };
}

function forwardedHeaders(context: Partial<RouterContext>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  const authorization = context.issuedAuthorization ?? context.authorization;
  if (authorization) headers.authorization = authorization;
  if (context.requestId) headers['x-request-id'] = context.requestId;
  if (context.clientIp) headers['x-forwarded-for'] = context.clientIp;
  if (context.userAgent) headers['user-agent'] = context.userAgent;
  return headers;
}

/**
 * A subgraph's answer: a GraphQL response, whatever the status (GraphQL over HTTP answers
 * errors with 4xx too). Anything else is an error of the fetch, which the gateway reports as
 * the subgraph's failure.
 */
function parseResponse(subgraph: string, status: number, text: string): GatewayGraphQLResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const isResponse =
    typeof parsed === 'object' && parsed !== null && ('data' in parsed || 'errors' in parsed);
  if (!isResponse)
    throw new Error(`Subgraph ${subgraph} answered HTTP ${status} without a GraphQL response`);
  return parsed as GatewayGraphQLResponse;
}

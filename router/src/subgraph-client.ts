import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Histogram } from 'prom-client';
import { Pool } from 'undici';
import { ISSUED_TOKEN_HEADER, type RequestContext } from '@tradesage/shared';

/** Per-operation state of the router, beside the request context. */
export interface RouterContext extends RequestContext {
  /** A token the auth subgraph issued during this operation (login): the rest of it runs as that user. */
  issuedAuthorization?: string;
}

export interface SubgraphClientOptions {
  name: string;
  url: string;
  /** Only the auth subgraph may hand the router a token for the rest of an operation. */
  issuesTokens: boolean;
  fetchDuration: Histogram<'subgraph' | 'outcome'>;
  /** How long a subgraph may take to answer a fetch. */
  timeoutMs: number;
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
    });
  }

  async process(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = options.context as Partial<RouterContext>;
    const stop = this.options.fetchDuration.startTimer({ subgraph: this.options.name });
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: forwardedHeaders(context),
        body: JSON.stringify({
          query: request.query,
          operationName: request.operationName,
          variables: request.variables,
        }),
      });
      const issued = this.options.issuesTokens && response.headers[ISSUED_TOKEN_HEADER];
      if (typeof issued === 'string') context.issuedAuthorization = `Bearer ${issued}`;
      const body = await readResponse(this.options.name, response.statusCode, response.body);
      stop({ outcome: body.errors?.length ? 'error' : 'success' });
      return body;
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
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
async function readResponse(
  subgraph: string,
  status: number,
  body: { text(): Promise<string> },
): Promise<GatewayGraphQLResponse> {
  const text = await body.text();
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

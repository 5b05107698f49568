import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ReadConsistency, type WriteMarks } from '../db/read-routing';
import type { Logger } from '../logger';
import type { Principal, TokenVerifier } from './principal';
import type { SessionGate } from './session-gate';

/** What every resolver in every service receives. */
export interface RequestContext {
  principal: Principal;
  requestId: string;
  log: Logger;
  /** The caller's raw Authorization header, forwarded by the router so each subgraph verifies it again. */
  authorization?: string;
  /** The client's address: the peer, or X-Forwarded-For when the peer is a trusted proxy. */
  clientIp?: string;
  userAgent?: string;
  /** Headers the response should carry (see ISSUED_TOKEN_HEADER). */
  responseHeaders: Map<string, string>;
  /** Whether this request's lag-tolerant reads may go to a read replica. */
  reads: ReadConsistency;
}

/** What a service knows of an incoming HTTP request. */
export interface IncomingRequest {
  headers: IncomingHttpHeaders;
  /** Resolved with the service's trusted-proxy list. */
  ip?: string;
}

/**
 * Set by the auth subgraph on a response that signed someone in. The router uses the token for
 * the rest of that one operation (the new user's name, tenant, session), never returns it.
 */
export const ISSUED_TOKEN_HEADER = 'x-tradesage-issued-token';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Builds a RequestContext from HTTP headers: verifies the token and keeps a usable request id. */
export async function buildRequestContext(
  { headers, ip }: IncomingRequest,
  verifier: TokenVerifier,
  log: Logger,
  /** Refuses tokens of tenants that may not be served (suspended, deleted). */
  tenantGate?: (tenantId: string) => Promise<void>,
  /** Refuses tokens whose session has ended. */
  sessionGate?: Pick<SessionGate, 'assertLive'>,
  /** Where sessions' recent writes are marked (services that read from replicas). */
  writeMarks?: WriteMarks,
): Promise<RequestContext> {
  const incomingId = header(headers, 'x-request-id');
  const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  const authorization = header(headers, 'authorization');
  const principal = await verifier.fromAuthorizationHeader(authorization);
  if (principal.kind === 'user' && tenantGate) await tenantGate(principal.tenantId);
  await sessionGate?.assertLive(principal);
  const userAgent = header(headers, 'user-agent')?.slice(0, 512);
  return {
    principal,
    requestId,
    log: log.child({ requestId }),
    authorization,
    clientIp: ip,
    userAgent,
    responseHeaders: new Map(),
    reads: new ReadConsistency(principal, writeMarks),
  };
}

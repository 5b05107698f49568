import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../logger';
import type { Principal, TokenVerifier } from './principal';

/** What every resolver in every service receives. */
export interface RequestContext {
  principal: Principal;
  requestId: string;
  log: Logger;
  /** The caller's raw Authorization header, forwarded by the router so each subgraph verifies it again. */
  authorization?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Builds a RequestContext from HTTP headers: verifies the token and keeps a usable request id. */
export async function buildRequestContext(
  headers: IncomingHttpHeaders,
  verifier: TokenVerifier,
  log: Logger,
  /** Refuses tokens of tenants that may not be served (suspended, deleted). */
  tenantGate?: (tenantId: string) => Promise<void>,
): Promise<RequestContext> {
  const incomingId = header(headers, 'x-request-id');
  const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  const authorization = header(headers, 'authorization');
  const principal = await verifier.fromAuthorizationHeader(authorization);
  if (principal.kind === 'user' && tenantGate) await tenantGate(principal.tenantId);
  return { principal, requestId, log: log.child({ requestId }), authorization };
}

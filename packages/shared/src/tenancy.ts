import type { RequestContext } from './auth/context';
import { unauthenticated, forbidden } from './errors';

type TenantUser = Extract<RequestContext['principal'], { kind: 'user' }>;

/**
 * The caller as a tenant user. Every tenant-plane read takes the tenant from here (the verified
 * token), never from arguments or entity representations.
 */
export function requireTenantUser(ctx: RequestContext): TenantUser {
  if (ctx.principal.kind === 'anonymous') throw unauthenticated();
  if (ctx.principal.kind !== 'user') throw forbidden('Only tenant users may do this');
  return ctx.principal;
}

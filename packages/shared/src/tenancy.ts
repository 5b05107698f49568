import type { RequestContext } from './auth/context';
import { unauthenticated, forbidden } from './errors';

export type TenantUser = Extract<RequestContext['principal'], { kind: 'user' }>;

/**
 * The caller as a tenant user. Every tenant-plane read takes the tenant from here (the verified
 * token), never from arguments or entity representations.
 */
export function requireTenantUser(ctx: RequestContext): TenantUser {
  if (ctx.principal.kind === 'anonymous') throw unauthenticated();
  if (ctx.principal.kind !== 'user') throw forbidden('Only tenant users may do this');
  return ctx.principal;
}

/** Whose personal data an export (exportMyData) is: always one user of one tenant. */
export interface DataSubject {
  tenantId: string;
  userId: string;
}

/**
 * The caller's own data export, for a reference to one: a reference to anyone else's resolves
 * to nothing, so no subgraph hands out another user's export, whatever the router is sent.
 */
export function ownDataExport(ctx: RequestContext, userId: string): DataSubject | null {
  const caller = requireTenantUser(ctx);
  return userId === caller.userId ? { tenantId: caller.tenantId, userId } : null;
}

/** Whether the caller may see a tenant's data: operators any tenant, users only their own. */
export function canSeeTenant(ctx: RequestContext, tenantId: string): boolean {
  const principal = ctx.principal;
  return (
    principal.kind === 'operator' || (principal.kind === 'user' && principal.tenantId === tenantId)
  );
}

/** Whether the caller administers a tenant: operators any, OWNER and ADMIN their own. */
export function canAdministerTenant(ctx: RequestContext, tenantId: string): boolean {
  const principal = ctx.principal;
  if (principal.kind === 'operator') return true;
  return (
    principal.kind === 'user' &&
    principal.tenantId === tenantId &&
    principal.roles.some((role) => role === 'OWNER' || role === 'ADMIN')
  );
}

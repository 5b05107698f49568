import { DateTimeScalar, effectiveLimits, notFound, requireTenantUser } from '@tradesage/shared';
import type { Context } from './context';
import type { Resolvers } from './generated/resolvers';

/**
 * Operators see any tenant; a tenant user sees only their own, and any other id or slug is
 * NOT_FOUND, the same answer as for a tenant that does not exist.
 */
async function visibleTenant(ctx: Context, lookup: { id: string } | { slug: string }) {
  const tenant =
    'id' in lookup
      ? await ctx.services.tenantById(lookup.id)
      : await ctx.services.tenantBySlug(lookup.slug);
  if (ctx.principal.kind === 'operator') return tenant;
  const user = requireTenantUser(ctx);
  return tenant && tenant.id === user.tenantId ? tenant : null;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    currentTenant: (_parent, _args, ctx) =>
      visibleTenant(ctx, { id: requireTenantUser(ctx).tenantId }),
    tenant: async (_parent, { slug }, ctx) => {
      const tenant = await visibleTenant(ctx, { slug });
      if (!tenant) throw notFound('Tenant not found');
      return tenant;
    },
    tenants: (_parent, args, ctx) => ctx.services.listTenants(args),
  },
  Mutation: {
    createTenant: async (_parent, { input }, ctx) => {
      const { tenant, owner } = await ctx.services.provisioner.create(input);
      return { tenant, owner };
    },
    suspendTenant: (_parent, { id, reason }, ctx) => ctx.services.transition(id, 'suspend', reason),
    resumeTenant: (_parent, { id }, ctx) => ctx.services.transition(id, 'resume'),
    deleteTenant: (_parent, { id }, ctx) => ctx.services.transition(id, 'delete'),
    updateTenantLimits: (_parent, { id, input }, ctx) => ctx.services.updateLimits(id, input),
  },
  Tenant: {
    __resolveReference: (reference, ctx) => visibleTenant(ctx, { id: reference.id }),
    limits: (tenant) => effectiveLimits(tenant.plan, tenant),
  },
};

import { DateTimeScalar, requireTenantUser, type SubgraphContext } from '@tradesage/shared';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { TenantServices } from './data';

type Context = SubgraphContext<TenantServices>;

/** A tenant user sees only their own tenant; any other id resolves to nothing. */
async function ownTenant(id: string, ctx: Context) {
  const user = requireTenantUser(ctx);
  if (id !== user.tenantId) return null;
  return ctx.services.tenantById(id);
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime: DateTimeScalar,
  Query: {
    currentTenant: (_parent, _args, ctx: Context) =>
      ownTenant(requireTenantUser(ctx).tenantId, ctx),
  },
  Tenant: {
    __resolveReference: (reference: { id: string }, ctx: Context) => ownTenant(reference.id, ctx),
  },
};

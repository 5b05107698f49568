import { DateTimeScalar, requireTenantUser } from '@tradesage/shared';
import type { Context } from './context';
import type { Resolvers } from './generated/resolvers';

/** A tenant user sees only their own tenant; any other id resolves to nothing. */
async function ownTenant(id: string, ctx: Context) {
  const user = requireTenantUser(ctx);
  if (id !== user.tenantId) return null;
  return ctx.services.tenantById(id);
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    currentTenant: (_parent, _args, ctx) => ownTenant(requireTenantUser(ctx).tenantId, ctx),
  },
  Tenant: {
    __resolveReference: (reference, ctx) => ownTenant(reference.id, ctx),
  },
};

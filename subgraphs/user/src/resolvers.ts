import { requireTenantUser } from '@tradesage/shared';
import type { Context } from './context';
import type { Resolvers } from './generated/resolvers';

/** Users are always looked up in the caller's own tenant (taken from the verified token). */
const userInCallerTenant = (id: string, ctx: Context, withDefaults = false) =>
  ctx.services.user(requireTenantUser(ctx).tenantId, id, withDefaults);

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => userInCallerTenant(requireTenantUser(ctx).userId, ctx, true),
  },
  User: {
    __resolveReference: (reference, ctx) => userInCallerTenant(reference.id, ctx),
    tenant: (user) => ({ id: user.tenantId }),
  },
};

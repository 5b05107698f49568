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
    // The caller always resolves, even before their profile exists (just registered: the
    // account.created event may still be on its way); anyone else needs a stored profile.
    __resolveReference: (reference, ctx) =>
      userInCallerTenant(reference.id, ctx, reference.id === requireTenantUser(ctx).userId),
    tenant: (user) => ({ id: user.tenantId }),
  },
};

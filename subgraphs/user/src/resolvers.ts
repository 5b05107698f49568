import { requireTenantUser, type SubgraphContext } from '@tradesage/shared';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { UserServices } from './data';

type Context = SubgraphContext<UserServices>;

/** Loads a user of the caller's tenant. A user with no stored profile still resolves, with defaults. */
async function userInCallerTenant(id: string, ctx: Context) {
  const caller = requireTenantUser(ctx);
  const profile = await ctx.services.profile(caller.tenantId, id);
  return {
    id,
    tenantId: caller.tenantId,
    name: profile?.name ?? '',
    avatarUrl: profile?.avatarUrl ?? null,
  };
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    me: (_parent, _args, ctx: Context) => userInCallerTenant(requireTenantUser(ctx).userId, ctx),
  },
  User: {
    __resolveReference: (reference: { id: string }, ctx: Context) =>
      userInCallerTenant(reference.id, ctx),
    tenant: (user: { tenantId: string }) => ({ __typename: 'Tenant', id: user.tenantId }),
  },
};

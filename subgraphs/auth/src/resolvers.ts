import { isUuid, requireTenantUser, type SubgraphContext } from '@tradesage/shared';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { AuthServices } from './data';

type Context = SubgraphContext<AuthServices>;

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    authStatus: (_parent, _args, ctx: Context) => {
      const principal = ctx.principal;
      switch (principal.kind) {
        case 'anonymous':
          return { kind: 'ANONYMOUS', roles: [] };
        case 'operator':
          return { kind: 'OPERATOR', userId: principal.operatorId, roles: principal.roles };
        case 'user':
          return {
            kind: 'USER',
            tenantId: principal.tenantId,
            userId: principal.userId,
            roles: principal.roles,
          };
      }
    },
  },
  User: {
    // The account is looked up in the caller's own tenant schema, so a foreign id finds nothing.
    __resolveReference: async (reference: { id: string }, ctx: Context) => {
      const caller = requireTenantUser(ctx);
      if (!isUuid(reference.id)) return null;
      return ctx.services.account(caller.tenantId, reference.id);
    },
  },
};

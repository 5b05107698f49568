import { canSeeTenant, isUuid, requireTenantUser } from '@tradesage/shared';
import type { Resolvers } from './generated/resolvers';

export const resolvers: Resolvers = {
  Query: {
    authStatus: (_parent, _args, ctx) => {
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
    __resolveReference: async (reference, ctx) => {
      const caller = requireTenantUser(ctx);
      if (!isUuid(reference.id)) return null;
      return ctx.services.account(caller.tenantId, reference.id);
    },
  },
  TenantUsage: {
    __resolveReference: (reference, ctx) =>
      canSeeTenant(ctx, reference.tenantId) ? reference : null,
    users: (usage, _args, ctx) => ctx.services.countUsers(usage.tenantId),
  },
};

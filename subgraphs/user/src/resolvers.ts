import { DateTimeScalar, JSONScalar, ownDataExport, requireTenantUser } from '@tradesage/shared';
import type { Resolvers } from './generated/resolvers';

/**
 * Users are always looked up in the caller's own tenant (taken from the verified token), so an
 * id of another tenant finds nothing.
 */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    me: (_parent, _args, ctx) => {
      const caller = requireTenantUser(ctx);
      return ctx.services.user(ctx, caller, caller.userId, true);
    },
    users: (_parent, { first, after, search }, ctx) =>
      ctx.services.users(ctx, requireTenantUser(ctx), first ?? 20, after, search),
  },
  Mutation: {
    updateProfile: (_parent, { input }, ctx) =>
      ctx.services.updateProfile(ctx, requireTenantUser(ctx), input),
    updatePreferences: (_parent, { input }, ctx) =>
      ctx.services.updatePreferences(ctx, requireTenantUser(ctx), input),
  },
  User: {
    // The caller always resolves, even before their profile exists (just registered: the
    // account.created event may still be on its way); anyone else needs a stored profile.
    __resolveReference: (reference, ctx) => {
      const caller = requireTenantUser(ctx);
      return ctx.services.user(ctx, caller, reference.id, reference.id === caller.userId);
    },
    tenant: (user) => ({ id: user.tenantId }),
    activity: (user, { first, after }, ctx) =>
      ctx.services.activity({ tenantId: user.tenantId, userId: user.id }, first ?? 20, after),
  },
  ActivityEntry: {
    metadata: (entry) => entry.metadata ?? {},
  },
  // The caller's own export only: a reference to anyone else's resolves to nothing.
  MyDataExport: {
    __resolveReference: (reference, ctx) => ownDataExport(ctx, reference.userId),
    profile: (subject, _args, ctx) => ctx.services.profile(ctx, subject),
    preferences: async (subject, _args, ctx) =>
      (await ctx.services.user(ctx, subject, subject.userId, true))!.preferences,
    activity: (subject, { first, after }, ctx) =>
      ctx.services.activity(subject, first ?? 100, after),
  },
};

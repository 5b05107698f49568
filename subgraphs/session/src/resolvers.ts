import {
  badUserInput,
  canSeeTenant,
  DateTimeScalar,
  forbidden,
  isUuid,
  notFound,
  ownDataExport,
  requireTenantUser,
  rolesAllow,
  SESSION_STATUS_AFTER,
  type SessionRecord,
} from '@tradesage/shared';
import type { SessionEventModel, SessionModel } from './data';
import type { Resolvers } from './generated/resolvers';

const live = (record: SessionRecord): SessionModel => ({ ...record, status: 'ACTIVE' });

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    mySessions: async (_parent, _args, ctx) => {
      const caller = requireTenantUser(ctx);
      const records = await ctx.services.sessions.listForUser(caller.tenantId, caller.userId);
      return records.map(live);
    },
    sessionAnalytics: async (_parent, _args, ctx) => {
      const { tenantId } = requireTenantUser(ctx);
      return { tenantId, ...(await ctx.services.sessions.analytics(tenantId)) };
    },
  },
  Mutation: {
    // Someone else's session, one of another tenant and one that does not exist get the same
    // NOT_FOUND, so session ids cannot be probed.
    revokeSession: async (_parent, { id }, ctx) => {
      const caller = requireTenantUser(ctx);
      const missing = () => notFound('No such session');
      if (!isUuid(id)) throw missing();
      const record = await ctx.services.sessions.get(caller.tenantId, id);
      if (!record) throw missing();
      if (record.userId !== caller.userId && !rolesAllow(caller.roles, 'sessions:revoke:any'))
        throw missing();
      const ended = await ctx.services.sessions.revoke(caller.tenantId, id, 'REVOKED');
      if (!ended) throw missing();
      return { ...ended, status: 'REVOKED' };
    },
    revokeOtherSessions: async (_parent, _args, ctx) => {
      const caller = requireTenantUser(ctx);
      await ctx.services.sessions.revokeAllForUser(
        caller.tenantId,
        caller.userId,
        'REVOKED',
        caller.sessionId,
      );
      return true;
    },
  },
  Subscription: {
    sessionEvents: {
      subscribe: (_parent, _args, ctx) => ctx.services.watchEvents(requireTenantUser(ctx)),
      resolve: (event: SessionEventModel) => event,
    },
  },
  SessionEvent: {
    session: (event) => ({ ...event.session, status: SESSION_STATUS_AFTER[event.type] }),
  },
  SessionAnalytics: {
    dailyPeaks: (analytics, { days }, ctx) => {
      if (days < 1 || days > 400) throw badUserInput('days must be between 1 and 400');
      return ctx.services.sessions.dailyPeaks(analytics.tenantId, days);
    },
  },
  Session: {
    // In the caller's own tenant only, and only the caller's own session or, for OWNER and
    // ADMIN, any session of the tenant.
    __resolveReference: async (reference, ctx) => {
      const caller = requireTenantUser(ctx);
      if (!isUuid(reference.id)) return null;
      const record = await ctx.services.sessions.get(caller.tenantId, reference.id);
      if (!record) return null;
      const mayRead =
        record.userId === caller.userId || rolesAllow(caller.roles, 'sessions:read:any');
      return mayRead ? live(record) : null;
    },
    current: (session, _args, ctx) =>
      ctx.principal.kind === 'user' && ctx.principal.sessionId === session.id,
    device: (session) => ({
      type: session.deviceType,
      os: session.os ?? null,
      browser: session.browser ?? null,
      name: session.deviceName ?? null,
    }),
    user: (session) => ({ id: session.userId }),
  },
  User: {
    // Nothing to load: the user's sessions are resolved per field, from the caller's own tenant.
    __resolveReference: (reference) => reference,
    sessions: async (user, _args, ctx) => {
      const caller = requireTenantUser(ctx);
      if (user.id !== caller.userId && !rolesAllow(caller.roles, 'sessions:read:any'))
        throw forbidden('Only the user, or an OWNER or ADMIN, may list their sessions');
      // The caller's tenant, from the token: another tenant's user has no sessions here.
      const records = await ctx.services.sessions.listForUser(caller.tenantId, user.id);
      return records.map(live);
    },
  },
  // The caller's own export only: a reference to anyone else's resolves to nothing.
  MyDataExport: {
    __resolveReference: (reference, ctx) => ownDataExport(ctx, reference.userId),
    sessions: async (subject, _args, ctx) =>
      (await ctx.services.sessions.listForUser(subject.tenantId, subject.userId)).map(live),
  },
  TenantUsage: {
    __resolveReference: (reference, ctx) =>
      canSeeTenant(ctx, reference.tenantId) ? reference : null,
    activeSessions: (usage, _args, ctx) => ctx.services.sessions.countActive(usage.tenantId),
  },
};

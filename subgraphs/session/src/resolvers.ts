import {
  DateTimeScalar,
  forbidden,
  requireTenantUser,
  type SessionRecord,
  type SubgraphContext,
} from '@tradesage/shared';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { SessionServices } from './data';

type Context = SubgraphContext<SessionServices>;

const DEVICE_TYPES = new Set(['DESKTOP', 'MOBILE', 'TABLET']);

function toSession(record: SessionRecord, currentSessionId: string) {
  return {
    id: record.id,
    current: record.id === currentSessionId,
    device: {
      type: DEVICE_TYPES.has(record.deviceType) ? record.deviceType : 'OTHER',
      os: record.os ?? null,
      browser: record.browser ?? null,
      name: record.deviceName ?? null,
    },
    ipAddress: record.ipAddress ?? null,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
  };
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime: DateTimeScalar,
  User: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    sessions: async (user: { id: string }, _args, ctx: Context) => {
      const caller = requireTenantUser(ctx);
      if (user.id !== caller.userId) throw forbidden('Only the user may list their sessions');
      // The tenant comes from the token, so another tenant's sessions are never in reach.
      await ctx.services.platform.activeTenant(caller.tenantId);
      const records = await ctx.services.sessions.listForUser(caller.tenantId, caller.userId);
      return records.map((record) => toSession(record, caller.sessionId));
    },
  },
};

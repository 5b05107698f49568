import {
  canSeeTenant,
  DateTimeScalar,
  forbidden,
  rolesAllow,
  isUuid,
  requireTenantUser,
  type SessionRecord,
} from '@tradesage/shared';
import type { SessionModel } from './data';
import type { DeviceType, Resolvers } from './generated/resolvers';

const DEVICE_TYPES = new Set<string>(['DESKTOP', 'MOBILE', 'TABLET']);

function toSession(record: SessionRecord, currentSessionId: string): SessionModel {
  return {
    id: record.id,
    current: record.id === currentSessionId,
    device: {
      type: (DEVICE_TYPES.has(record.deviceType) ? record.deviceType : 'OTHER') as DeviceType,
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

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Session: {
    // In the caller's own tenant only, and only the caller's own session or, for OWNER and
    // ADMIN, any session of the tenant.
    __resolveReference: async (reference, ctx) => {
      const caller = requireTenantUser(ctx);
      if (!isUuid(reference.id)) return null;
      const record = await ctx.services.sessions.get(caller.tenantId, reference.id);
      if (!record) return null;
      const mayRead =
        record.userId === caller.userId || rolesAllow(caller.roles, 'sessions:revoke:any');
      return mayRead ? toSession(record, caller.sessionId) : null;
    },
  },
  User: {
    // Nothing to load: the user's sessions are resolved per field, from the caller's own tenant.
    __resolveReference: (reference) => reference,
    sessions: async (user, _args, ctx) => {
      const caller = requireTenantUser(ctx);
      if (user.id !== caller.userId) throw forbidden('Only the user may list their sessions');
      // The tenant comes from the token, so another tenant's sessions are never in reach.
      await ctx.services.platform.activeTenant(caller.tenantId);
      const records = await ctx.services.sessions.listForUser(caller.tenantId, caller.userId);
      return records.map((record) => toSession(record, caller.sessionId));
    },
  },
  TenantUsage: {
    __resolveReference: (reference, ctx) =>
      canSeeTenant(ctx, reference.tenantId) ? reference : null,
    activeSessions: (usage, _args, ctx) => ctx.services.sessions.countActive(usage.tenantId),
  },
};

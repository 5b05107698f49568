import {
  hasPermission,
  isAuthenticated,
  isDataSubject,
  isTenantMember,
  type PermissionRules,
} from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: {
    mySessions: hasPermission('sessions:read:own'),
    sessionAnalytics: hasPermission('sessions:analytics'),
  },
  // The resolvers narrow these further: own sessions, or any in the tenant for OWNER and ADMIN.
  Mutation: {
    revokeSession: hasPermission('sessions:revoke:own'),
    revokeOtherSessions: hasPermission('sessions:revoke:own'),
  },
  Subscription: { sessionEvents: hasPermission('sessions:read:own') },
  User: isTenantMember,
  Session: isTenantMember,
  SessionEvent: isTenantMember,
  Device: isTenantMember,
  SessionAnalytics: hasPermission('sessions:analytics'),
  DeviceTypeCount: hasPermission('sessions:analytics'),
  DailySessionPeak: hasPermission('sessions:analytics'),
  TenantUsage: isAuthenticated,
  MyDataExport: isDataSubject,
};

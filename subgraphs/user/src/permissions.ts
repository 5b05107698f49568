import {
  allow,
  hasPermission,
  isDataSubject,
  isSelf,
  isTenantMember,
  sameTenant,
  type PermissionRules,
} from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { me: isTenantMember, users: hasPermission('users:read') },
  Mutation: {
    updateProfile: hasPermission('profile:write:own'),
    updatePreferences: hasPermission('profile:write:own'),
  },
  // Users are only ever loaded in the caller's own tenant, and the rules check it again; a
  // member may see a colleague's name and avatar, but preferences and activity are their own.
  User: {
    id: sameTenant,
    name: sameTenant,
    avatarUrl: sameTenant,
    tenant: sameTenant,
    preferences: isSelf,
    activity: isSelf,
  },
  Preferences: isTenantMember,
  NotificationPreferences: isTenantMember,
  ActivityEntry: isTenantMember,
  UserConnection: hasPermission('users:read'),
  UserEdge: hasPermission('users:read'),
  PageInfo: allow,
  Tenant: isTenantMember,
  MyDataExport: isDataSubject,
  ExportedProfile: isTenantMember,
};

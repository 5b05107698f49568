import {
  allow,
  hasPermission,
  isSelf,
  isTenantMember,
  type PermissionRules,
} from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { me: isTenantMember, users: hasPermission('users:read') },
  Mutation: {
    updateProfile: hasPermission('profile:write:own'),
    updatePreferences: hasPermission('profile:write:own'),
  },
  // Users are only ever loaded in the caller's own tenant; a member may see a colleague's
  // name and avatar, but preferences and activity are the user's own.
  User: {
    id: isTenantMember,
    name: isTenantMember,
    avatarUrl: isTenantMember,
    tenant: isTenantMember,
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
};

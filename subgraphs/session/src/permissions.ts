import { isAuthenticated, isTenantMember, type PermissionRules } from '@tradesage/shared';

export const permissions: PermissionRules = {
  User: isTenantMember,
  Session: isTenantMember,
  Device: isTenantMember,
  TenantUsage: isAuthenticated,
};

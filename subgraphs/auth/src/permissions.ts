import { allow, isAuthenticated, isTenantMember, type PermissionRules } from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { authStatus: allow },
  AuthStatus: allow,
  User: isTenantMember,
  // Which tenant's usage a caller may see is checked on resolution (canSeeTenant).
  TenantUsage: isAuthenticated,
};

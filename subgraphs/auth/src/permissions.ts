import { allow, isTenantMember, type PermissionRules } from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { authStatus: allow },
  AuthStatus: allow,
  User: isTenantMember,
};

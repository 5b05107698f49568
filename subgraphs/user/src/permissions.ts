import { isTenantMember, type PermissionRules } from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { me: isTenantMember },
  User: isTenantMember,
  Tenant: isTenantMember,
};

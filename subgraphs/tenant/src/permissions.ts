import { isTenantMember, type PermissionRules } from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { currentTenant: isTenantMember },
  Tenant: isTenantMember,
};

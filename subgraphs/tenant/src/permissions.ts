import {
  hasPermission,
  isAuthenticated,
  or,
  isOperator,
  isTenantMember,
  type PermissionRules,
} from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: {
    currentTenant: isTenantMember,
    tenant: isAuthenticated,
    tenants: isOperator,
    operatorAuditEvents: isOperator,
  },
  Mutation: {
    createTenant: isOperator,
    suspendTenant: isOperator,
    resumeTenant: isOperator,
    deleteTenant: isOperator,
    updateTenantLimits: isOperator,
    updateTenantSettings: or(isOperator, hasPermission('tenant:settings')),
    backupTenant: isOperator,
    restoreTenant: isOperator,
  },
  // Who may watch which tenant is checked when subscribing (canAdministerTenant).
  Subscription: { tenantHealth: isAuthenticated },
  TenantHealthEvent: isAuthenticated,
  TenantHealth: isAuthenticated,
  TenantUsage: isAuthenticated,
  TenantBackup: isAuthenticated,
  // Which tenants a caller may see is decided where they are loaded (visibleTenant).
  Tenant: isAuthenticated,
  TenantLimits: isAuthenticated,
  TenantConnection: isOperator,
  TenantEdge: isOperator,
  PageInfo: isAuthenticated,
  TenantOwner: isOperator,
  CreateTenantPayload: isOperator,
  // The operators' audit trail is for operators alone, down to every field.
  OperatorAuditEvent: isOperator,
  OperatorAuditEventEdge: isOperator,
  OperatorAuditEventConnection: isOperator,
};

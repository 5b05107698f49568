import { PLATFORM_OPERATOR } from './auth/principal';

/** The roles of a tenant's users. PLATFORM_OPERATOR (no tenant) is separate. */
export const TENANT_ROLES = ['OWNER', 'ADMIN', 'TRADER', 'ANALYST', 'VIEWER'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/**
 * The one table of what each role may do (docs/rbac.md shows it). Permissions are
 * `<resource>:<action>[:<scope>]`; `own` is the caller's own, `any` is anyone in the tenant.
 */
export const ROLE_PERMISSIONS: Record<TenantRole | typeof PLATFORM_OPERATOR, readonly string[]> = {
  OWNER: [
    'profile:write:own',
    'sessions:read:own',
    'sessions:revoke:own',
    'sessions:revoke:any',
    'sessions:analytics',
    'users:read',
    'users:invite',
    'users:disable',
    'roles:assign',
    'roles:assign:owner',
    'audit:read',
    'tenant:read',
    'tenant:settings',
    'trading:read',
    'trading:write',
  ],
  ADMIN: [
    'profile:write:own',
    'sessions:read:own',
    'sessions:revoke:own',
    'sessions:revoke:any',
    'sessions:analytics',
    'users:read',
    'users:invite',
    'users:disable',
    'roles:assign',
    'audit:read',
    'tenant:read',
    'trading:read',
  ],
  TRADER: [
    'profile:write:own',
    'sessions:read:own',
    'sessions:revoke:own',
    'tenant:read',
    'trading:read',
    'trading:write',
  ],
  ANALYST: [
    'profile:write:own',
    'sessions:read:own',
    'sessions:revoke:own',
    'sessions:analytics',
    'tenant:read',
    'trading:read',
  ],
  VIEWER: ['profile:write:own', 'sessions:read:own', 'sessions:revoke:own', 'tenant:read'],
  PLATFORM_OPERATOR: [
    'tenants:read',
    'tenants:create',
    'tenants:lifecycle',
    'tenants:backup',
    'tenants:limits',
  ],
};

/** The union of the roles' permissions, sorted; unknown role names grant nothing. */
export function permissionsOf(roles: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const role of roles)
    for (const permission of ROLE_PERMISSIONS[role as TenantRole] ?? []) granted.add(permission);
  return [...granted].sort();
}

export function hasPermission(roles: readonly string[], permission: string): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role as TenantRole]?.includes(permission));
}

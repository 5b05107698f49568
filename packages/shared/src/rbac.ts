import { PLATFORM_OPERATOR } from './auth/principal';

/** The roles of a tenant's users. PLATFORM_OPERATOR (no tenant) is separate. */
export const TENANT_ROLES = ['OWNER', 'ADMIN', 'TRADER', 'ANALYST', 'VIEWER'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/**
 * The one table of what each role may do (docs/rbac.md shows it). Permissions are
 * `<resource>:<action>[:<scope>]`; `own` is the caller's own, `any` is anyone in the tenant.
 */
/** What every tenant member may do with their own account. */
const MEMBER = ['profile:write:own', 'sessions:read:own', 'sessions:revoke:own', 'tenant:read'];
/** Running the tenant's users and sessions (OWNER and ADMIN). */
const ADMINISTRATION = [
  'sessions:read:any',
  'sessions:revoke:any',
  'sessions:analytics',
  'users:read',
  'users:invite',
  'users:disable',
  'roles:assign',
  'audit:read',
];

export const ROLE_PERMISSIONS: Record<TenantRole | typeof PLATFORM_OPERATOR, readonly string[]> = {
  OWNER: [
    ...MEMBER,
    ...ADMINISTRATION,
    'roles:assign:owner',
    'tenant:settings',
    // Erasing any user's personal data (eraseUser), one's own included. Other users may erase
    // only themselves, where the tenant allows it (selfErasure), which no role grants.
    'users:erase',
    'trading:read',
    'trading:write',
  ],
  ADMIN: [...MEMBER, ...ADMINISTRATION, 'trading:read'],
  TRADER: [...MEMBER, 'trading:read', 'trading:write'],
  ANALYST: [...MEMBER, 'sessions:analytics', 'trading:read'],
  VIEWER: [...MEMBER],
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
  for (const role of roles) for (const permission of grantsOf(role)) granted.add(permission);
  return [...granted].sort();
}

/** Whether any of the roles grants the permission. */
export function rolesAllow(roles: readonly string[], permission: string): boolean {
  return roles.some((role) => grantsOf(role).includes(permission));
}

/** A role's permissions; a name that is not a role (even `constructor`) grants nothing. */
function grantsOf(role: string): readonly string[] {
  return Object.hasOwn(ROLE_PERMISSIONS, role)
    ? ROLE_PERMISSIONS[role as keyof typeof ROLE_PERMISSIONS]
    : [];
}

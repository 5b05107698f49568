import {
  permissionsOf,
  PLATFORM_OPERATOR,
  ROLE_PERMISSIONS,
  rolesAllow,
  TENANT_ROLES,
  type TenantRole,
} from '../src';

const sortedUnique = (values: readonly string[]) => [...new Set(values)].sort();

describe('role permissions', () => {
  test('the tenant roles, and a table entry for each of them and for operators', () => {
    expect([...TENANT_ROLES]).toEqual(['OWNER', 'ADMIN', 'TRADER', 'ANALYST', 'VIEWER']);
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual(
      [...TENANT_ROLES, PLATFORM_OPERATOR].sort(),
    );
    for (const permissions of Object.values(ROLE_PERMISSIONS)) {
      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) expect(permission).toMatch(/^[a-z]+:[a-z]+(:[a-z]+)?$/);
    }
  });

  test('OWNER has everything ADMIN has, plus assigning the owner role', () => {
    const owner = permissionsOf(['OWNER']);
    const admin = permissionsOf(['ADMIN']);
    for (const permission of admin) expect(owner).toContain(permission);
    expect(owner).toContain('roles:assign:owner');
    expect(admin).not.toContain('roles:assign:owner');
    expect(rolesAllow(['OWNER'], 'roles:assign:owner')).toBe(true);
    expect(rolesAllow(['ADMIN'], 'roles:assign:owner')).toBe(false);
  });

  test('every tenant role has the member permissions for its own account', () => {
    for (const role of TENANT_ROLES)
      for (const permission of [
        'profile:write:own',
        'sessions:read:own',
        'sessions:revoke:own',
        'tenant:read',
      ])
        expect(rolesAllow([role], permission)).toBe(true);
  });

  test('VIEWER reads its own things only', () => {
    expect(rolesAllow(['VIEWER'], 'users:read')).toBe(false);
    expect(rolesAllow(['VIEWER'], 'sessions:revoke:any')).toBe(false);
    expect(rolesAllow(['VIEWER'], 'trading:read')).toBe(false);
    expect(rolesAllow(['VIEWER'], 'tenant:read')).toBe(true);
  });

  test('ANALYST sees session analytics, but administers nothing and does not trade', () => {
    expect(rolesAllow(['ANALYST'], 'sessions:analytics')).toBe(true);
    expect(rolesAllow(['ANALYST'], 'trading:read')).toBe(true);
    expect(rolesAllow(['ANALYST'], 'trading:write')).toBe(false);
    expect(rolesAllow(['ANALYST'], 'users:read')).toBe(false);
    expect(rolesAllow(['ANALYST'], 'sessions:revoke:any')).toBe(false);
  });

  test('TRADER trades; ADMIN reads trades but does not place them', () => {
    expect(rolesAllow(['TRADER'], 'trading:write')).toBe(true);
    expect(rolesAllow(['TRADER'], 'users:read')).toBe(false);
    expect(rolesAllow(['ADMIN'], 'trading:read')).toBe(true);
    expect(rolesAllow(['ADMIN'], 'trading:write')).toBe(false);
    expect(rolesAllow(['ADMIN'], 'users:invite')).toBe(true);
    expect(rolesAllow(['ADMIN'], 'tenant:settings')).toBe(false);
    expect(rolesAllow(['OWNER'], 'tenant:settings')).toBe(true);
  });

  test('several roles: the union, sorted and without duplicates', () => {
    const roles = ['VIEWER', 'TRADER', 'ANALYST', 'TRADER'];
    const union = permissionsOf(roles);
    expect(union).toEqual(
      sortedUnique([
        ...ROLE_PERMISSIONS.VIEWER,
        ...ROLE_PERMISSIONS.TRADER,
        ...ROLE_PERMISSIONS.ANALYST,
      ]),
    );
    expect(union).toEqual([...union].sort());
    expect(new Set(union).size).toBe(union.length);
    expect(union).toContain('sessions:analytics');
    expect(union).toContain('trading:write');
    // Each role on its own is sorted and de-duplicated too (MEMBER and ADMINISTRATION overlap).
    for (const role of TENANT_ROLES)
      expect(permissionsOf([role])).toEqual(sortedUnique(ROLE_PERMISSIONS[role]));
    expect(rolesAllow(roles, 'trading:write')).toBe(true);
    expect(rolesAllow(roles, 'users:read')).toBe(false);
  });

  test('unknown roles grant nothing, alone or next to a real role', () => {
    expect(permissionsOf([])).toEqual([]);
    expect(permissionsOf(['SUPERUSER', 'owner', ''])).toEqual([]);
    expect(permissionsOf(['SUPERUSER', 'VIEWER'])).toEqual(permissionsOf(['VIEWER']));
    expect(rolesAllow(['SUPERUSER'], 'users:read')).toBe(false);
    expect(rolesAllow([], 'tenant:read')).toBe(false);
    // Names of Object.prototype's members are no roles either.
    expect(permissionsOf(['constructor', '__proto__', 'toString'])).toEqual([]);
    expect(rolesAllow(['constructor'], 'users:read')).toBe(false);
  });

  test('the operator permissions and the tenant permissions never overlap', () => {
    const operator = permissionsOf([PLATFORM_OPERATOR]);
    const tenant = permissionsOf([...TENANT_ROLES]);
    expect(operator.length).toBeGreaterThan(0);
    expect(operator.filter((permission) => tenant.includes(permission))).toEqual([]);
    for (const role of TENANT_ROLES as readonly TenantRole[])
      expect(rolesAllow([role], 'tenants:create')).toBe(false);
    expect(rolesAllow([PLATFORM_OPERATOR], 'tenants:create')).toBe(true);
    expect(rolesAllow([PLATFORM_OPERATOR], 'tenant:read')).toBe(false);
    expect(rolesAllow([PLATFORM_OPERATOR], 'users:read')).toBe(false);
  });
});

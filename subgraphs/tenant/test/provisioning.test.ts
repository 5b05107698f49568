import type pg from 'pg';
import { AppError, qualified, tenantRoleName, type SubgraphDeps } from '@tradesage/shared';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { PrismaClient as UserClient } from '../../../prisma/user/generated/client';
import type { TenantServices } from '../src/data';
import { TenantProvisioner } from '../src/provisioning';
import { startTenantServiceEnv, type TenantServiceEnv } from './support';

let admin: pg.Pool;
let deps: SubgraphDeps;
let services: TenantServices;

let env: TenantServiceEnv;

beforeAll(async () => {
  env = await startTenantServiceEnv('ts_provision');
  ({ admin, deps, services } = env);
});
afterAll(() => env.close());

const owner = { email: 'Owner@Example.com', name: 'Olivia Owner' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? String(error.extensions.code) : String(error)),
  );
}

async function traces(slug: string, schemaName?: string) {
  const directory = await admin.query(
    `SELECT status FROM ${qualified('control', 'tenants')} WHERE slug = $1`,
    [slug],
  );
  const schema = schemaName
    ? (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName])).rowCount
    : 0;
  const role = schemaName
    ? (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [tenantRoleName(schemaName)]))
        .rowCount
    : 0;
  return { directory: directory.rows.map((r) => r.status), schema, role };
}

describe('createTenant provisioning', () => {
  test('a provisioned tenant is ACTIVE, isolated, migrated and has its owner', async () => {
    const {
      tenant,
      owner: created,
      ownerInvited,
    } = await services.provisioner.create({
      slug: 'acme-trading',
      name: 'Acme Trading',
      plan: 'PRO',
      owner,
    });
    expect(tenant.status).toBe('ACTIVE');
    expect(tenant.provisioningMs).toBeGreaterThan(0);
    expect(created).toEqual({
      id: expect.any(String),
      email: 'owner@example.com',
      roles: ['OWNER'],
    });
    expect(await traces('acme-trading', tenant.schemaName)).toEqual({
      directory: ['ACTIVE'],
      schema: 1,
      role: 1,
    });

    // The owner is there, in each owner's own table, read through the tenant's scoped clients.
    const accounts = deps.platform.tenantClients((adapter) => new AuthClient({ adapter }));
    const profiles = deps.platform.tenantClients((adapter) => new UserClient({ adapter }));
    const account = await (
      await accounts.forTenant(tenant.id)
    ).account.findUniqueOrThrow({
      where: { id: created.id },
      include: { tokens: true },
    });
    expect(account).toMatchObject({
      email: 'owner@example.com',
      roles: ['OWNER'],
      status: 'INVITED',
      passwordHash: null,
    });
    // No password: the auth service is asked (durably) to e-mail the invitation; it makes the
    // single-use token when it sends, so provisioning stores none.
    expect(ownerInvited).toBe(true);
    expect(account.tokens).toEqual([]);
    const requests = await deps.redis.xrange(
      `${deps.config.REDIS_KEY_PREFIX}stream:account.email`,
      '-',
      '+',
    );
    expect(requests.map(([, fields]) => JSON.parse(fields[1]))).toContainEqual({
      tenantId: tenant.id,
      accountId: created.id,
      kind: 'INVITATION',
    });
    const profile = await (
      await profiles.forTenant(tenant.id)
    ).profile.findUnique({ where: { userId: created.id } });
    expect(profile?.name).toBe('Olivia Owner');
  });

  test('an owner with a password is ACTIVE, with an argon2id hash and no invitation', async () => {
    const {
      tenant,
      owner: created,
      ownerInvited,
    } = await services.provisioner.create({
      slug: 'pwd-owner',
      name: 'Password Owner',
      plan: 'FREE',
      owner: { ...owner, password: 'correct horse battery staple' },
    });
    expect(ownerInvited).toBe(false);
    const accounts = deps.platform.tenantClients((adapter) => new AuthClient({ adapter }));
    const account = await (
      await accounts.forTenant(tenant.id)
    ).account.findUniqueOrThrow({ where: { id: created.id } });
    expect(account.status).toBe('ACTIVE');
    expect(account.passwordHash).toMatch(/^\$argon2id\$/);
  });

  test.each([
    ['too short', 'ab'],
    ['upper case', 'Acme'],
    ['leading digit', '1acme'],
    ['underscore', 'acme_co'],
    ['too long', `a${'b'.repeat(40)}`],
    ['SQL metacharacters', "acme'; DROP SCHEMA control; --"],
    ['unicode', 'acmé-trading'],
    ['reserved', 'admin'],
    ['reserved', 'public'],
    ['reserved prefix', 'pg-catalog'],
    ['10 KB', 'a'.repeat(10_240)],
  ])('a slug that is %s is refused with BAD_USER_INPUT', async (_label, slug) => {
    expect(
      await codeOf(services.provisioner.create({ slug, name: 'X', plan: 'FREE', owner })),
    ).toBe('BAD_USER_INPUT');
    expect((await traces(slug)).directory).toEqual([]);
  });

  test('other invalid input is refused with BAD_USER_INPUT', async () => {
    const base = { slug: 'valid-slug', name: 'Valid', plan: 'FREE' as const, owner };
    expect(await codeOf(services.provisioner.create({ ...base, name: '  ' }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      await codeOf(
        services.provisioner.create({ ...base, owner: { ...owner, email: 'not-an-email' } }),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codeOf(
        services.provisioner.create({ ...base, owner: { ...owner, password: 'short' } }),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(await codeOf(services.provisioner.create({ ...base, plan: 'GOLD' as 'FREE' }))).toBe(
      'BAD_USER_INPUT',
    );
    expect((await traces('valid-slug')).directory).toEqual([]);
  });

  test('a duplicate slug is refused with CONFLICT, also when two requests race', async () => {
    await services.provisioner.create({ slug: 'taken-slug', name: 'First', plan: 'FREE', owner });
    expect(
      await codeOf(
        services.provisioner.create({ slug: 'taken-slug', name: 'Again', plan: 'FREE', owner }),
      ),
    ).toBe('CONFLICT');
    const race = await Promise.all(
      [1, 2].map(() =>
        codeOf(
          services.provisioner.create({ slug: 'raced-slug', name: 'Race', plan: 'FREE', owner }),
        ),
      ),
    );
    expect(race.sort()).toEqual(['CONFLICT', 'resolved']);
    expect((await traces('raced-slug')).directory).toEqual(['ACTIVE']);
  });

  test('a fault in the middle of provisioning leaves no schema, role or row, and a retry succeeds', async () => {
    let schemaName = '';
    const failing = new TenantProvisioner({
      ...deps,
      control: services.control,
      hooks: {
        beforeSchemaCommit: async () => {
          // By now the schema, role, tables and owner exist inside the open transaction.
          const row = await services.control.tenant.findUniqueOrThrow({
            where: { slug: 'fault-tenant' },
          });
          schemaName = row.schemaName;
          expect(row.status).toBe('PROVISIONING');
          throw new Error('injected fault');
        },
      },
    });
    const error = await failing
      .create({ slug: 'fault-tenant', name: 'Fault', plan: 'FREE', owner })
      .catch((e: unknown) => e as AppError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect((error as AppError).message).not.toContain('injected');
    expect(schemaName).toMatch(/^t_[0-9a-f]{32}$/);
    expect(await traces('fault-tenant', schemaName)).toEqual({ directory: [], schema: 0, role: 0 });

    const retry = await services.provisioner.create({
      slug: 'fault-tenant',
      name: 'Fault',
      plan: 'FREE',
      owner,
    });
    expect(retry.tenant.status).toBe('ACTIVE');
  });
});

describe('tenant lifecycle', () => {
  test('suspend, resume and delete follow the allowed transitions', async () => {
    const { tenant } = await services.provisioner.create({
      slug: 'life-cycle',
      name: 'Life',
      plan: 'FREE',
      owner,
    });
    const suspended = await services.transition(tenant.id, 'suspend', 'unpaid invoice');
    expect(suspended).toMatchObject({ status: 'SUSPENDED', suspendedReason: 'unpaid invoice' });
    expect(await codeOf(services.transition(tenant.id, 'suspend', 'again'))).toBe('CONFLICT');
    expect(await codeOf(deps.platform.assertTenantAccess(tenant.id))).toBe('TENANT_SUSPENDED');

    expect((await services.transition(tenant.id, 'resume')).status).toBe('ACTIVE');
    expect(await codeOf(services.transition(tenant.id, 'resume'))).toBe('CONFLICT');
    expect(await codeOf(deps.platform.assertTenantAccess(tenant.id))).toBe('resolved');

    const deleted = await services.transition(tenant.id, 'delete');
    expect(deleted.status).toBe('DELETED');
    expect(deleted.purgeAfter!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    for (const action of ['suspend', 'resume', 'delete'] as const) {
      expect(await codeOf(services.transition(tenant.id, action, 'x'))).toBe('CONFLICT');
    }
    expect(await codeOf(deps.platform.assertTenantAccess(tenant.id))).toBe('UNAUTHENTICATED');
    expect(
      await codeOf(services.transition('00000000-0000-4000-8000-000000000000', 'suspend')),
    ).toBe('NOT_FOUND');
  });

  test('limits: plan defaults, overrides, reset to default, and validation', async () => {
    const { tenant } = await services.provisioner.create({
      slug: 'limit-tenant',
      name: 'Limits',
      plan: 'FREE',
      owner,
    });
    const updated = await services.updateLimits(tenant.id, { maxUsers: 42 });
    expect(updated.maxUsers).toBe(42);
    expect(updated.storageMb).toBeNull();
    expect((await services.updateLimits(tenant.id, { maxUsers: null })).maxUsers).toBeNull();
    expect(await codeOf(services.updateLimits(tenant.id, { maxUsers: 0 }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(services.updateLimits(tenant.id, { requestsPerMinute: 1.5 }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('provisioning after the commit point', () => {
  test('a failure to announce the new tenant does not undo it', async () => {
    const failingBus = Object.assign(Object.create(deps.bus) as typeof deps.bus, {
      publish: async () => {
        throw new Error('Redis is down');
      },
    });
    const provisioner = new TenantProvisioner({
      ...deps,
      bus: failingBus,
      control: services.control,
    });
    const { tenant } = await provisioner.create({
      slug: 'quiet-start',
      name: 'Quiet',
      plan: 'FREE',
      owner,
    });
    expect(await traces('quiet-start', tenant.schemaName)).toEqual({
      directory: ['ACTIVE'],
      schema: 1,
      role: 1,
    });
  });

  test('a slug left PROVISIONING by a run that died is reclaimed, with its schema and role', async () => {
    const { tenant } = await services.provisioner.create({
      slug: 'died-midway',
      name: 'Died',
      plan: 'FREE',
      owner,
    });
    // Make it look like a run that died after its schema committed, ten minutes ago.
    await admin.query(
      `UPDATE ${qualified('control', 'tenants')} SET status = 'PROVISIONING', created_at = now() - interval '10 minutes' WHERE id = $1`,
      [tenant.id],
    );
    const again = await services.provisioner.create({
      slug: 'died-midway',
      name: 'Again',
      plan: 'FREE',
      owner,
    });
    expect(again.tenant.id).not.toBe(tenant.id);
    expect(await traces('died-midway', tenant.schemaName)).toEqual({
      directory: ['ACTIVE'],
      schema: 0,
      role: 0,
    });
    // A recent PROVISIONING row is a run still in progress: its slug is not taken over, and the
    // refusal says when a retry would reclaim it.
    await admin.query(
      `UPDATE ${qualified('control', 'tenants')} SET status = 'PROVISIONING' WHERE id = $1`,
      [again.tenant.id],
    );
    const refusal = await services.provisioner
      .create({ slug: 'died-midway', name: 'X', plan: 'FREE', owner })
      .then(
        () => undefined,
        (error: AppError) => error,
      );
    expect(refusal?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'slug',
      reason: 'PROVISIONING',
    });
    expect(refusal?.extensions.retryAfter).toBeGreaterThan(200);
    expect(refusal?.extensions.retryAfter).toBeLessThanOrEqual(300);
  });
});

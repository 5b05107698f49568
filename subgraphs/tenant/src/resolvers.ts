import {
  badUserInput,
  canAdministerTenant,
  canSeeTenant,
  DateTimeScalar,
  effectiveLimits,
  forbidden,
  isUuid,
  JSONScalar,
  notFound,
  requireTenantUser,
} from '@tradesage/shared';
import type { Context } from './context';
import type { HealthEvent } from './health';
import { clip } from './operator-audit';
import type { Resolvers } from './generated/resolvers';

/**
 * Operators see any tenant; a tenant user sees only their own, and any other id or slug is
 * NOT_FOUND, the same answer as for a tenant that does not exist.
 */
async function visibleTenant(ctx: Context, lookup: { id: string } | { slug: string }) {
  const tenant =
    'id' in lookup
      ? await ctx.services.tenantById(ctx, lookup.id)
      : await ctx.services.tenantBySlug(lookup.slug);
  if (ctx.principal.kind === 'operator') return tenant;
  const user = requireTenantUser(ctx);
  return tenant && tenant.id === user.tenantId ? tenant : null;
}

/** Ids are UUIDs: anything else names no tenant (and must not reach a uuid column). */
function tenantId(id: string): string {
  if (!isUuid(id)) throw notFound('Tenant not found');
  return id;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    currentTenant: (_parent, _args, ctx) =>
      visibleTenant(ctx, { id: requireTenantUser(ctx).tenantId }),
    tenant: async (_parent, { slug }, ctx) => {
      const tenant = await visibleTenant(ctx, { slug });
      if (!tenant) throw notFound('Tenant not found');
      return tenant;
    },
    tenants: (_parent, args, ctx) => ctx.services.listTenants(ctx.reads, args),
    operatorAuditEvents: (_parent, args, ctx) => ctx.services.operatorAudit.list(args),
  },
  // Each operator action goes through the audit trail, which records it exactly once: its
  // change commits with a SUCCEEDED entry, and an action that fails leaves a FAILED one.
  // Input summaries hold no secret and no personal data (the entries are never erased).
  Mutation: {
    createTenant: (_parent, { input }, ctx) =>
      ctx.services.operatorAudit.run(
        ctx,
        {
          action: 'CREATE_TENANT',
          input: { slug: clip(input.slug, 64), name: clip(input.name), plan: input.plan },
        },
        async (scope) => {
          const { tenant, owner } = await ctx.services.provisioner.create(input, scope);
          return { tenant, owner };
        },
      ),
    suspendTenant: (_parent, { id, reason }, ctx) =>
      ctx.services.operatorAudit.run(
        ctx,
        { action: 'SUSPEND_TENANT', tenantId: id, input: { reason: clip(reason) } },
        (scope) => ctx.services.transition(tenantId(id), 'suspend', reason, scope),
      ),
    resumeTenant: (_parent, { id }, ctx) =>
      ctx.services.operatorAudit.run(ctx, { action: 'RESUME_TENANT', tenantId: id }, (scope) =>
        ctx.services.transition(tenantId(id), 'resume', undefined, scope),
      ),
    deleteTenant: (_parent, { id }, ctx) =>
      ctx.services.operatorAudit.run(ctx, { action: 'DELETE_TENANT', tenantId: id }, (scope) =>
        ctx.services.transition(tenantId(id), 'delete', undefined, scope),
      ),
    updateTenantLimits: (_parent, { id, input }, ctx) =>
      ctx.services.operatorAudit.run(
        ctx,
        { action: 'UPDATE_TENANT_LIMITS', tenantId: id, input: { ...input } },
        (scope) => ctx.services.updateLimits(tenantId(id), input, scope),
      ),
    updateTenantSettings: (_parent, { id, input }, ctx) => {
      // An OWNER's own tenant only; any other id looks like an unknown one.
      if (ctx.principal.kind === 'user' && ctx.principal.tenantId !== id)
        throw notFound('Tenant not found');
      // Recorded for operators only; an OWNER's change of their own tenant is no operator action.
      return ctx.services.operatorAudit.run(
        ctx,
        { action: 'UPDATE_TENANT_SETTINGS', tenantId: id, input: { ...input } },
        (scope) => ctx.services.updateSettings(tenantId(id), input, scope),
      );
    },
    backupTenant: (_parent, { id }, ctx) =>
      ctx.services.operatorAudit.run(
        ctx,
        { action: 'BACKUP_TENANT', tenantId: id },
        async (scope) => {
          const { backup, done } = await ctx.services.backups.start(tenantId(id), { scope });
          // The backup goes on after the response; its outcome is recorded on the backup row
          // (the trail records the request, with the backup's id).
          void done;
          return backup;
        },
      ),
    restoreTenant: (_parent, { backupId }, ctx) =>
      ctx.services.operatorAudit.run(
        ctx,
        { action: 'RESTORE_TENANT', input: { backupId: clip(backupId, 64) } },
        (scope) => {
          if (!isUuid(backupId)) throw notFound('Backup not found');
          return ctx.services.backups.restore(backupId, scope);
        },
      ),
  },
  Subscription: {
    tenantHealth: {
      subscribe: (_parent, { tenantId }, ctx) => {
        if (!canAdministerTenant(ctx, tenantId))
          throw forbidden('Not allowed to watch this tenant');
        return ctx.services.watchHealth(tenantId);
      },
      resolve: (event: HealthEvent) => event,
    },
  },
  Tenant: {
    __resolveReference: (reference, ctx) => visibleTenant(ctx, { id: reference.id }),
    limits: (tenant) => effectiveLimits(tenant.plan, tenant),
    usage: (tenant) => ({ tenantId: tenant.id }),
    // Health and backups are for those who run the tenant: operators, and its OWNER and ADMIN.
    health: async (tenant, _args, ctx) => {
      if (!canAdministerTenant(ctx, tenant.id))
        throw forbidden('Only OWNER and ADMIN may see health');
      return ctx.services.health.check(await ctx.services.tenantWithCluster(tenant.id));
    },
    backups: (tenant, { first }, ctx) => {
      if (!canAdministerTenant(ctx, tenant.id))
        throw forbidden('Only OWNER and ADMIN may see backups');
      const count = first ?? 10;
      if (count < 1 || count > 100) throw badUserInput('first must be between 1 and 100');
      return ctx.services.listBackups(tenant.id, count);
    },
  },
  TenantUsage: {
    __resolveReference: (reference, ctx) =>
      canSeeTenant(ctx, reference.tenantId) ? reference : null,
    storageBytes: async (usage, _args, ctx) =>
      ctx.services.health.storageBytes(usage.tenantId, () =>
        ctx.services.tenantWithCluster(usage.tenantId),
      ),
  },
  TenantBackup: {
    sizeBytes: (backup) => (backup.sizeBytes === null ? null : Number(backup.sizeBytes)),
  },
  OperatorAuditEvent: {
    input: (event) => event.input ?? {},
    details: (event) => event.details ?? {},
  },
};

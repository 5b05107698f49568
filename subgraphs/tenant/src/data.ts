import { Histogram } from 'prom-client';
import {
  AppError,
  badUserInput,
  connection,
  decodeCursor,
  isUuid,
  notFound,
  requestLoader,
  type ReadConsistency,
  type SubgraphDeps,
} from '@tradesage/shared';
import { z } from 'zod';
import {
  PrismaClient,
  type Tenant,
  type TenantBackup,
} from '../../../prisma/tenant/generated/client';
import type { TenantStatus } from '../../../prisma/tenant/generated/enums';
import { BackupScheduler, createS3Client, TenantBackups } from './backups';
import { unrecorded, type ChangeScope } from './control';
import { TenantHealthMonitor } from './health';
import { OperatorAuditTrail } from './operator-audit';
import { TenantProvisioner } from './provisioning';

export type TenantModel = Tenant;
export type TenantBackupModel = TenantBackup;
export interface TenantUsageModel {
  tenantId: string;
}

/** Which lifecycle actions are allowed from which status. */
const TRANSITIONS = {
  suspend: { from: ['ACTIVE'], to: 'SUSPENDED' },
  resume: { from: ['SUSPENDED'], to: 'ACTIVE' },
  delete: { from: ['ACTIVE', 'SUSPENDED'], to: 'DELETED' },
} as const satisfies Record<string, { from: readonly TenantStatus[]; to: TenantStatus }>;
export type LifecycleAction = keyof typeof TRANSITIONS;

const limitValue = z.number().int().min(1).max(10_000_000).nullable().optional();
const limitsSchema = z.object({
  maxUsers: limitValue,
  maxSessionsPerUser: limitValue,
  requestsPerMinute: limitValue,
  storageMb: limitValue,
});
export type LimitsInput = z.input<typeof limitsSchema>;

const MAX_PAGE = 100;

/** The id in a tenant-list cursor. */
function cursorId(cursor: string): string {
  const [id] = decodeCursor(cursor, 1);
  if (!isUuid(id)) throw badUserInput('Invalid cursor', { field: 'after' });
  return id;
}

/** The tenant subgraph owns the control plane, so its one client is aimed at the control schema. */
export function createServices({
  platform,
  config,
  log,
  bus,
  redis,
  sessions,
  streams,
  metrics,
}: SubgraphDeps) {
  const provisioningDurations = new Histogram({
    name: 'tenant_provisioning_duration_seconds',
    help: 'Time to provision a tenant (schema, role, migrations, owner), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  });
  const control = platform.controlClient((adapter) => new PrismaClient({ adapter }));
  const controlReplica = platform.controlReplicaClient((adapter) => new PrismaClient({ adapter }));
  const backups = new TenantBackups({ config, log, platform, control, s3: createS3Client(config) });
  const scheduler = new BackupScheduler({ backups, control, redis, config, log, platform });
  const health = new TenantHealthMonitor({ config, log, platform, control, sessions, bus, redis });
  const operatorAudit = new OperatorAuditTrail({ control, log });

  /** Ends every session of a tenant that is suspended or deleted. */
  async function endSessions(tenantId: string, action: LifecycleAction): Promise<void> {
    const ended = await sessions.revokeAllForTenant(
      tenantId,
      action === 'delete' ? 'TENANT_DELETED' : 'TENANT_SUSPENDED',
    );
    if (ended > 0) log.info({ tenantId, action, sessions: ended }, 'tenant sessions ended');
  }

  /** Every change to a tenant reaches every replica's directory cache, and its health is republished. */
  async function announce(tenant: Tenant): Promise<Tenant> {
    platform.directory.invalidate(tenant.id);
    await bus.publish('tenant.changed', { tenantId: tenant.id, status: tenant.status });
    await health
      .publish(tenant.id)
      .catch((error: unknown) => log.warn({ err: error }, 'health publish failed'));
    return tenant;
  }

  return {
    control,
    bus,
    backups,
    scheduler,
    health,
    operatorAudit,
    provisioner: new TenantProvisioner({
      config,
      log,
      platform,
      control,
      bus,
      streams,
      durations: provisioningDurations,
    }),

    /** Background work: the daily backups and the health rounds. */
    start() {
      scheduler.start();
      health.start();
    },
    stop() {
      scheduler.stop();
      health.stop();
    },

    /**
     * The tenant's health events, until the tenant stops being ACTIVE (suspended or deleted
     * tenants' subscriptions end rather than keep streaming).
     */
    watchHealth(tenantId: string) {
      const events = bus.iterate('tenant.health', (event) => event.tenantId === tenantId);
      const ends = bus.iterate(
        'tenant.changed',
        (event) => event.tenantId === tenantId && event.status !== 'ACTIVE',
      );
      void ends.next().then(() => {
        void events.return?.();
        void ends.return?.();
      });
      const finish = events.return?.bind(events);
      events.return = async () => {
        void ends.return?.();
        return finish ? finish() : { done: true, value: undefined };
      };
      return events;
    },

    tenantWithCluster: (id: string) =>
      control.tenant.findUniqueOrThrow({ where: { id }, include: { cluster: true } }),
    listBackups: (tenantId: string, first: number) =>
      control.tenantBackup.findMany({
        where: { tenantId },
        orderBy: { createdAt: 'desc' },
        take: first,
      }),

    /** A tenant by id, batched per request (entity references arrive many at a time). */
    tenantById: (ctx: object, id: string) =>
      isUuid(id)
        ? requestLoader(
            ctx,
            'tenants',
            (ids) => control.tenant.findMany({ where: { id: { in: [...ids] } } }),
            (tenant) => tenant.id,
          ).load(id)
        : null,
    tenantBySlug: (slug: string) => control.tenant.findUnique({ where: { slug } }),

    /** Operators' tenant list: it may lag (a replica) unless the operator's session just wrote. */
    async listTenants(
      reads: Pick<ReadConsistency, 'replicaAllowed'>,
      args: {
        first?: number | null;
        after?: string | null;
        status?: TenantStatus | null;
      },
    ) {
      const first = args.first ?? 20;
      if (first < 1 || first > MAX_PAGE)
        throw badUserInput(`first must be between 1 and ${MAX_PAGE}`);
      const where = args.status ? { status: args.status } : {};
      const db = controlReplica && (await reads.replicaAllowed()) ? controlReplica : control;
      const [rows, totalCount] = await Promise.all([
        db.tenant.findMany({
          where,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: first + 1,
          ...(args.after ? { cursor: { id: cursorId(args.after) }, skip: 1 } : {}),
        }),
        db.tenant.count({ where }),
      ]);
      return {
        ...connection(rows, first, (tenant) => [tenant.id]),
        totalCount,
      };
    },

    /**
     * Moves a tenant through its lifecycle; an action its status does not allow is a CONFLICT.
     * `scope` commits the change (with an operator's audit entry, when there is one).
     */
    async transition(
      id: string,
      action: LifecycleAction,
      reason?: string,
      scope: ChangeScope = unrecorded(control),
    ): Promise<Tenant> {
      const { from, to } = TRANSITIONS[action];
      const now = new Date();
      // No one can sign in while the tenant is suspended, so a session still there at resume
      // outlived a failed ending at suspension: it goes before the tenant opens again.
      if (action === 'resume') {
        const current = await control.tenant.findUnique({ where: { id } });
        if (current?.status === 'SUSPENDED') await endSessions(id, action);
      }
      const data =
        action === 'suspend'
          ? { status: to, suspendedReason: reason ?? null, suspendedAt: now }
          : action === 'resume'
            ? { status: to, suspendedReason: null, suspendedAt: null }
            : {
                status: to,
                deletedAt: now,
                purgeAfter: new Date(now.getTime() + config.TENANT_RETENTION_DAYS * 86_400_000),
              };
      const tenant = await scope.commit(async (tx) => {
        const { count } = await tx.tenant.updateMany({
          where: { id, status: { in: [...from] } },
          data,
        });
        const changed = await tx.tenant.findUnique({ where: { id } });
        if (!changed) throw notFound('Tenant not found');
        if (count === 0) {
          throw new AppError('CONFLICT', `Cannot ${action} a tenant that is ${changed.status}`, {
            status: changed.status,
          });
        }
        scope.about(id, { status: changed.status });
        return changed;
      });
      log.info({ tenantId: id, action, status: tenant.status }, 'tenant lifecycle change');
      const announced = await announce(tenant);
      // The status already refuses the tenant's tokens; ending the sessions kills the refresh
      // tokens too and tells every session-event subscriber.
      if (action !== 'resume') await endSessions(id, action);
      return announced;
    },

    async updateSettings(
      id: string,
      input: { selfRegistration?: boolean | null; selfErasure?: boolean | null },
      scope: ChangeScope = unrecorded(control),
    ) {
      const tenant = await scope.commit(async (tx) => {
        const existing = await tx.tenant.findUnique({ where: { id } });
        if (!existing || existing.status === 'DELETED') throw notFound('Tenant not found');
        if (input.selfRegistration === null)
          throw badUserInput('selfRegistration: must be true or false', {
            field: 'selfRegistration',
          });
        if (input.selfErasure === null)
          throw badUserInput('selfErasure: must be true or false', { field: 'selfErasure' });
        // The values replaced, for whichever settings the input names.
        const previous = Object.fromEntries(
          Object.keys(input).map((key) => [key, existing[key as keyof typeof existing]]),
        );
        scope.about(id, { previous });
        return tx.tenant.update({
          where: { id },
          data: { selfRegistration: input.selfRegistration, selfErasure: input.selfErasure },
        });
      });
      return announce(tenant);
    },

    async updateLimits(
      id: string,
      input: LimitsInput,
      scope: ChangeScope = unrecorded(control),
    ): Promise<Tenant> {
      const parsed = limitsSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badUserInput(`${issue.path.join('.')}: must be a whole number from 1 to 10000000`, {
          field: issue.path.join('.'),
        });
      }
      const tenant = await scope.commit(async (tx) => {
        const existing = await tx.tenant.findUnique({ where: { id } });
        if (!existing) throw notFound('Tenant not found');
        if (existing.status === 'DELETED')
          throw new AppError('CONFLICT', 'Cannot change a deleted tenant');
        // The values replaced, so the trail says what a limit was before (null: the plan's).
        const { maxUsers, maxSessionsPerUser, requestsPerMinute, storageMb } = existing;
        scope.about(id, {
          previous: { maxUsers, maxSessionsPerUser, requestsPerMinute, storageMb },
        });
        return tx.tenant.update({ where: { id }, data: parsed.data });
      });
      return announce(tenant);
    },
  };
}

export type TenantServices = ReturnType<typeof createServices>;

import type { Histogram } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  AppError,
  assertPasswordPolicy,
  badUserInput,
  createTenantSchema,
  dropTenantSchema,
  hashPassword,
  loadMigrations,
  loadProvisionScripts,
  revokeTemporaryFromPublic,
  tenantSchemaName,
  withTransaction,
  type EventBus,
  type EventStream,
  type Migration,
  type ProvisionScript,
} from '@tradesage/shared';
import { z } from 'zod';
import type { Tenant } from '../../../prisma/tenant/generated/client';
import { unrecorded, type ChangeScope, type ControlPlaneDeps } from './control';

export const SLUG_PATTERN = /^[a-z][a-z0-9-]{2,39}$/;

/** Slugs that name the platform itself, or would confuse people and Postgres. */
const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'app',
  'auth',
  'billing',
  'control',
  'graphql',
  'help',
  'internal',
  'login',
  'platform',
  'public',
  'root',
  'sandbox',
  'status',
  'support',
  'system',
  'tradesage',
  'www',
  'information-schema',
  'postgres',
  'template0',
  'template1',
]);

export function slugProblem(slug: string): string | undefined {
  if (!SLUG_PATTERN.test(slug)) {
    return 'Slug must be 3 to 40 characters: a lower-case letter, then lower-case letters, digits or hyphens';
  }
  if (RESERVED_SLUGS.has(slug) || slug.startsWith('pg-')) {
    return `Slug "${slug}" is reserved`;
  }
  return undefined;
}

const inputSchema = z.object({
  slug: z.string(),
  name: z
    .string()
    .trim()
    .min(1, 'Name must not be empty')
    .max(100, 'Name must be at most 100 characters'),
  plan: z.enum(['FREE', 'PRO', 'ENTERPRISE']),
  owner: z.object({
    email: z.email('Owner e-mail is not a valid address').max(320),
    name: z.string().trim().min(1, 'Owner name must not be empty').max(100),
    password: z.string().nullish(),
  }),
});

export type CreateTenantInput = z.input<typeof inputSchema>;

export interface ProvisionedTenant {
  tenant: Tenant;
  owner: { id: string; email: string; roles: ['OWNER'] };
  /** Whether the owner was invited by e-mail (no password given). */
  ownerInvited: boolean;
}

/** Test seam: lets a test fail provisioning at a chosen step. */
export interface ProvisioningHooks {
  beforeSchemaCommit?: () => Promise<void>;
}

/** A PROVISIONING row older than this belongs to a run that died; its slug may be reclaimed. */
const STALE_PROVISIONING_MS = 5 * 60 * 1000;

/**
 * Creates tenants: validates the request, places the tenant on the least-loaded cluster, and
 * builds its schema, role, tables and owner in one transaction on that cluster. The directory
 * row is PROVISIONING until the schema has committed, and is removed again if anything fails,
 * so a tenant ends ACTIVE or leaves no trace, and a retry with the same slug succeeds.
 */
export class TenantProvisioner {
  private readonly migrations: Migration[];
  private readonly provisionScripts: ProvisionScript[];

  constructor(
    private readonly deps: ControlPlaneDeps & {
      bus?: EventBus;
      /** Where the owner's invitation is requested from the auth service's mailer. */
      streams?: EventStream;
      hooks?: ProvisioningHooks;
      /** Provisioning time, by outcome (tenant_provisioning_duration_seconds). */
      durations?: Histogram<'outcome'>;
    },
  ) {
    this.migrations = loadMigrations(deps.config.PRISMA_DIR, 'tenant');
    this.provisionScripts = loadProvisionScripts(deps.config.PRISMA_DIR);
  }

  /** `scope` commits the tenant's ACTIVE status (with an operator's audit entry, when there is one). */
  async create(
    raw: CreateTenantInput,
    scope: ChangeScope = unrecorded(this.deps.control),
  ): Promise<ProvisionedTenant> {
    const stop = this.deps.durations?.startTimer();
    try {
      const tenant = await this.provision(raw, scope);
      stop?.({ outcome: 'success' });
      return tenant;
    } catch (error) {
      stop?.({ outcome: 'error' });
      throw error;
    }
  }

  private async provision(raw: CreateTenantInput, scope: ChangeScope): Promise<ProvisionedTenant> {
    const parsed = inputSchema.safeParse(raw);
    if (!parsed.success) throw badUserInput(parsed.error.issues[0].message);
    const input = parsed.data;
    const problem = slugProblem(input.slug);
    if (problem) throw badUserInput(problem, { field: 'slug' });
    if (input.owner.password) assertPasswordPolicy(input.owner.password);

    const started = performance.now();
    const id = randomUUID();
    const schemaName = tenantSchemaName(id);
    const ownerId = randomUUID();
    const passwordHash = input.owner.password ? await hashPassword(input.owner.password) : null;
    const cluster = await this.pickCluster();

    await this.reserve({
      id,
      slug: input.slug,
      name: input.name,
      plan: input.plan,
      schemaName,
      clusterId: cluster.id,
    });
    // From here the id names a tenant (or what a failed run leaves of one) in the audit trail.
    scope.about(id, { ownerId, ownerInvited: passwordHash === null });
    const location = { schemaName, connectionUrl: cluster.connectionUrl };
    let tenant: Tenant;
    try {
      const pool = this.deps.platform.poolFor(location);
      // A cluster added later gets the same database setting with its first tenant.
      if (cluster.connectionUrl) await withTransaction(pool, revokeTemporaryFromPublic);
      await withTransaction(pool, async (client) => {
        await createTenantSchema(client, {
          schema: schemaName,
          tenantLogin: this.deps.config.TENANT_DB_USER,
          migrations: this.migrations,
          provisionScripts: this.provisionScripts,
          seed: {
            tenant: { id, slug: input.slug, name: input.name, plan: input.plan },
            owner: {
              id: ownerId,
              email: input.owner.email.toLowerCase(),
              name: input.owner.name,
              passwordHash,
            },
          },
        });
        await this.deps.hooks?.beforeSchemaCommit?.();
      });
      // The ACTIVE update is the commit point: after it, the tenant exists and nothing undoes it.
      tenant = await scope.commit((tx) =>
        tx.tenant.update({
          where: { id, status: 'PROVISIONING' },
          data: { status: 'ACTIVE', provisioningMs: Math.round(performance.now() - started) },
        }),
      );
    } catch (error) {
      const undone = await this.undo(id, location);
      if (error instanceof AppError) throw error;
      this.deps.log.error({ err: error, slug: input.slug }, 'tenant provisioning failed');
      throw new AppError(
        'INTERNAL_SERVER_ERROR',
        undone
          ? 'Provisioning failed; nothing was created. Try again.'
          : // The database went away too: the PROVISIONING row holds the slug until it is stale.
            'Provisioning failed, and what it began could not be removed yet; a retry with the same slug reclaims it five minutes after this attempt began.',
      );
    }
    // Other replicas learn of the tenant from the bus; if Redis is down they find it when
    // their directory cache expires, so a failed announcement does not fail provisioning.
    await this.announce(id, 'ACTIVE').catch((error: unknown) =>
      this.deps.log.warn({ err: error, tenantId: id }, 'could not announce a new tenant'),
    );
    const ownerInvited = passwordHash === null;
    // The auth service makes the single-use link and sends it (stream: survives its restarts).
    if (ownerInvited && this.deps.streams) {
      await this.deps.streams
        .append('account.email', { tenantId: id, accountId: ownerId, kind: 'INVITATION' })
        .catch((error: unknown) =>
          this.deps.log.error(
            { err: error, tenantId: id },
            'could not request the owner invitation',
          ),
        );
    }
    this.deps.log.info(
      { tenantId: id, slug: input.slug, ms: tenant.provisioningMs },
      'tenant provisioned',
    );
    return {
      tenant,
      owner: { id: ownerId, email: input.owner.email.toLowerCase(), roles: ['OWNER'] },
      ownerInvited,
    };
  }

  /** The cluster with the lowest share of its capacity in use. */
  private async pickCluster(): Promise<{ id: string; connectionUrl: string | null }> {
    const [clusters, counts] = await Promise.all([
      this.deps.control.dbCluster.findMany({ orderBy: { createdAt: 'asc' } }),
      this.deps.control.tenant.groupBy({
        by: ['clusterId'],
        where: { status: { not: 'DELETED' } },
        _count: true,
      }),
    ]);
    const load = new Map(counts.map((c) => [c.clusterId, c._count]));
    const open = clusters
      .map((cluster) => ({ cluster, used: load.get(cluster.id) ?? 0 }))
      .filter(({ cluster, used }) => used < cluster.capacity)
      .sort((a, b) => a.used / a.cluster.capacity - b.used / b.cluster.capacity);
    if (open.length === 0)
      throw new AppError('LIMIT_EXCEEDED', 'No database cluster has room for another tenant');
    return open[0].cluster;
  }

  /** Inserts the PROVISIONING row, which reserves the slug. */
  private async reserve(
    row: {
      id: string;
      slug: string;
      name: string;
      plan: 'FREE' | 'PRO' | 'ENTERPRISE';
      schemaName: string;
      clusterId: string;
    },
    reclaimed = false,
  ): Promise<void> {
    try {
      await this.deps.control.tenant.create({ data: { ...row, status: 'PROVISIONING' } });
    } catch (error) {
      if ((error as { code?: string }).code !== 'P2002') throw error;
      if (!reclaimed && (await this.reclaimStale(row.slug))) return this.reserve(row, true);
      throw await this.slugConflict(row.slug);
    }
  }

  /**
   * Why a slug cannot be had: a tenant has it, or a provisioning run does (one in progress, or
   * one that died: nobody can tell before it is five minutes old, when a retry reclaims it).
   */
  private async slugConflict(slug: string): Promise<AppError> {
    const holder = await this.deps.control.tenant.findUnique({
      where: { slug },
      select: { status: true, createdAt: true },
    });
    if (holder?.status === 'PROVISIONING') {
      const staleAt = holder.createdAt.getTime() + STALE_PROVISIONING_MS;
      const retryAfter = Math.max(1, Math.ceil((staleAt - Date.now()) / 1000));
      return new AppError(
        'CONFLICT',
        `Slug "${slug}" is held by a provisioning run that began less than five minutes ago; if it failed, retry in ${retryAfter} s`,
        { field: 'slug', reason: 'PROVISIONING', retryAfter },
      );
    }
    return new AppError('CONFLICT', `Slug "${slug}" is already taken`, { field: 'slug' });
  }

  /** Removes what a provisioning run that died long ago left under this slug. */
  private async reclaimStale(slug: string): Promise<boolean> {
    const stale = await this.deps.control.tenant.findFirst({
      where: {
        slug,
        status: 'PROVISIONING',
        createdAt: { lt: new Date(Date.now() - STALE_PROVISIONING_MS) },
      },
      include: { cluster: true },
    });
    if (!stale) return false;
    this.deps.log.warn(
      { tenantId: stale.id, slug },
      'reclaiming a slug from a provisioning run that died',
    );
    const gone = await this.undo(stale.id, {
      schemaName: stale.schemaName,
      connectionUrl: stale.cluster.connectionUrl,
    });
    // Replicas that looked the slug up while the dead run held it must forget that id now.
    if (gone)
      await this.announce(stale.id, 'DELETED').catch((error: unknown) =>
        this.deps.log.warn({ err: error, tenantId: stale.id }, 'could not announce a reclaim'),
      );
    return gone;
  }

  /**
   * Removes what a failed run left: the schema and role (if they committed), then the row, which
   * must still be PROVISIONING; a row that reached ACTIVE is a tenant and is never undone.
   * Returns whether everything is gone.
   */
  private async undo(
    id: string,
    location: { schemaName: string; connectionUrl: string | null },
  ): Promise<boolean> {
    try {
      const row = await this.deps.control.tenant.findUnique({
        where: { id },
        select: { status: true },
      });
      if (row && row.status !== 'PROVISIONING') return false;
      // Dropped whether or not the schema transaction reported a commit: a COMMIT whose answer
      // was lost may still have happened. Both drops are no-ops when there is nothing.
      await withTransaction(this.deps.platform.poolFor(location), (client) =>
        dropTenantSchema(client, location.schemaName),
      );
      await this.deps.control.tenant.deleteMany({ where: { id, status: 'PROVISIONING' } });
      return true;
    } catch (error) {
      // The row stays PROVISIONING, so no token can reach it; the stale-slug reclaim finishes the job.
      this.deps.log.error({ err: error, tenantId: id }, 'could not undo a failed provisioning');
      return false;
    }
  }

  private async announce(tenantId: string, status: string): Promise<void> {
    this.deps.platform.directory.invalidate(tenantId);
    await this.deps.bus?.publish('tenant.changed', { tenantId, status });
  }
}

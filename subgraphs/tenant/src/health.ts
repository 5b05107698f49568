import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import {
  loadMigrations,
  mapWithConcurrency,
  qualified,
  type BusEvents,
  type EventBus,
  type SessionStore,
} from '@tradesage/shared';
import type { DbCluster, Tenant } from '../../../prisma/tenant/generated/client';
import type { ControlPlaneDeps } from './control';

export type HealthEvent = BusEvents['tenant.health'];
type TenantWithCluster = Tenant & { cluster: DbCluster };

/** A trivial query slower than this marks the tenant DEGRADED. */
const SLOW_MS = 250;
const STORAGE_CACHE_MS = 60_000;

/**
 * Tenant health and storage usage. Health: the schema is there, its migrations are current, and
 * a trivial query in the tenant's own role answers, timed. It is published on the bus on an
 * interval (one replica per interval, by a Redis lock) and whenever the tenant changes.
 */
export class TenantHealthMonitor {
  private readonly latestMigration: string | null;
  private readonly storage = new LRUCache<string, number>({ max: 10_000, ttl: STORAGE_CACHE_MS });
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: ControlPlaneDeps & {
      sessions: SessionStore;
      bus: EventBus;
      redis: Redis;
    },
  ) {
    const migrations = loadMigrations(deps.config.PRISMA_DIR, 'tenant');
    this.latestMigration = migrations.at(-1)?.name ?? null;
  }

  private location(tenant: TenantWithCluster) {
    return { schemaName: tenant.schemaName, connectionUrl: tenant.cluster.connectionUrl };
  }

  async check(tenant: TenantWithCluster): Promise<HealthEvent> {
    const service = this.deps.platform.poolFor(this.location(tenant));
    let schemaVersion: string | null = null;
    let dbLatencyMs: number | null = null;
    let reachable = false;
    try {
      const { rows } = await service.query<{ version: string | null }>(
        `SELECT max(migration_name) AS version FROM ${qualified(tenant.schemaName, '_prisma_migrations')}
          WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      schemaVersion = rows[0].version;
      const started = performance.now();
      await this.deps.platform.tenantSessionPool(this.location(tenant)).query('SELECT 1');
      dbLatencyMs = Math.round((performance.now() - started) * 100) / 100;
      reachable = true;
    } catch (error) {
      this.deps.log.warn({ err: error, tenantId: tenant.id }, 'tenant health check failed');
    }
    const activeSessions = await this.deps.sessions.countActive(tenant.id).catch(() => 0);
    const current = schemaVersion !== null && schemaVersion === this.latestMigration;
    return {
      tenantId: tenant.id,
      status: !reachable
        ? 'DOWN'
        : !current || (dbLatencyMs ?? 0) > SLOW_MS
          ? 'DEGRADED'
          : 'HEALTHY',
      dbLatencyMs,
      activeSessions,
      schemaVersion,
      checkedAt: new Date().toISOString(),
    };
  }

  /**
   * Bytes of every table, index and TOAST relation in the tenant's schema, cached for a minute.
   * The tenant is loaded only on a cache miss, so a page of tenants costs no control-plane reads.
   */
  async storageBytes(tenantId: string, load: () => Promise<TenantWithCluster>): Promise<number> {
    const cached = this.storage.get(tenantId);
    if (cached !== undefined) return cached;
    const tenant = await load();
    const { rows } = await this.deps.platform
      .poolFor(this.location(tenant))
      .query<{ bytes: string | null }>(
        `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
        [tenant.schemaName],
      );
    const bytes = Number(rows[0].bytes ?? 0);
    this.storage.set(tenant.id, bytes);
    return bytes;
  }

  async publish(tenantId: string): Promise<HealthEvent | null> {
    const tenant = await this.deps.control.tenant.findUnique({
      where: { id: tenantId },
      include: { cluster: true },
    });
    if (!tenant || tenant.status === 'DELETED' || tenant.status === 'PROVISIONING') return null;
    const event = await this.check(tenant);
    await this.deps.bus.publish('tenant.health', event);
    return event;
  }

  /** Checks and publishes every live tenant's health each interval; one replica per interval. */
  start(): void {
    const interval = this.deps.config.TENANT_HEALTH_INTERVAL_MS;
    this.timer = setInterval(() => {
      const slot = Math.floor(Date.now() / interval);
      this.runSlot(slot).catch((error: unknown) =>
        this.deps.log.error({ err: error }, 'health round failed'),
      );
    }, interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async runSlot(slot: number): Promise<'ran' | 'skipped'> {
    const { redis, config, control } = this.deps;
    const key = `${config.REDIS_KEY_PREFIX}lock:tenant-health:${slot}`;
    const ttl = Math.ceil(config.TENANT_HEALTH_INTERVAL_MS / 1000) * 2;
    if ((await redis.set(key, String(process.pid), 'EX', ttl, 'NX')) !== 'OK') return 'skipped';
    const tenants = await control.tenant.findMany({
      where: { status: 'ACTIVE' },
      include: { cluster: true },
    });
    await mapWithConcurrency(tenants, 4, async (tenant) =>
      this.deps.bus.publish('tenant.health', await this.check(tenant)),
    );
    return 'ran';
  }
}

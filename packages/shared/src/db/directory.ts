import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { qualified } from './sql';
import { isUuid } from './identifiers';
import {
  effectiveLimits,
  type LimitOverrides,
  type TenantLimits,
  type TenantPlan,
} from '../limits';

export type TenantStatus = 'PROVISIONING' | 'ACTIVE' | 'SUSPENDED' | 'DELETED';

export interface TenantLocation {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  /** Whether anyone may register an account in the tenant. */
  selfRegistration: boolean;
  /** Whether a user may erase their own personal data (eraseUser on themselves). */
  selfErasure: boolean;
  plan: TenantPlan;
  /** The plan's limits with the tenant's own overrides applied. */
  limits: TenantLimits;
  schemaName: string;
  clusterId: string;
  /** NULL in the directory means the process's own DATABASE_URL. */
  connectionUrl: string | null;
  /** The cluster's read replicas (for the primary cluster: DATABASE_REPLICA_URLS instead). */
  replicaUrls: string[];
}

type TenantRow = Omit<TenantLocation, 'limits'> & LimitOverrides;

function toLocation(row: TenantRow): TenantLocation {
  const { maxUsers, maxSessionsPerUser, requestsPerMinute, storageMb, ...location } = row;
  return {
    ...location,
    limits: effectiveLimits(row.plan, {
      maxUsers,
      maxSessionsPerUser,
      requestsPerMinute,
      storageMb,
    }),
  };
}

/**
 * Where each tenant lives, read from the control-plane directory and cached. The cache is
 * short-lived, and `invalidate` drops an entry at once when the tenant changes.
 */
export class TenantDirectory {
  private readonly cache: LRUCache<string, TenantLocation>;
  private readonly negative: LRUCache<string, true>;
  private readonly slugs = new LRUCache<string, string>({ max: 10_000 });
  /** Bumped by every invalidation, so a lookup that raced one does not cache what it read. */
  private generation = 0;

  constructor(
    private readonly controlPool: pg.Pool,
    private readonly controlSchema: string,
    options: { ttlMs: number; max?: number },
  ) {
    const ttl = Math.max(options.ttlMs, 1);
    this.cache = new LRUCache({ max: options.max ?? 10_000, ttl });
    // Unknown ids are remembered briefly too, so that garbage ids cannot hammer the control plane.
    this.negative = new LRUCache({ max: 10_000, ttl: Math.min(ttl, 5_000) });
  }

  async lookup(tenantId: string): Promise<TenantLocation | null> {
    if (!isUuid(tenantId)) return null;
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    if (this.negative.has(tenantId)) return null;
    const generation = this.generation;
    const { rows } = await this.controlPool.query<TenantRow>(
      `SELECT t.id, t.slug, t.name, t.status, t.self_registration AS "selfRegistration",
              t.self_erasure AS "selfErasure", t.plan,
              t.max_users AS "maxUsers", t.max_sessions_per_user AS "maxSessionsPerUser",
              t.requests_per_minute AS "requestsPerMinute", t.storage_mb AS "storageMb",
              t.schema_name AS "schemaName", t.cluster_id AS "clusterId",
              c.connection_url AS "connectionUrl", COALESCE(c.replica_urls, '{}') AS "replicaUrls"
         FROM ${qualified(this.controlSchema, 'tenants')} t
         JOIN ${qualified(this.controlSchema, 'db_clusters')} c ON c.id = t.cluster_id
        WHERE t.id = $1`,
      [tenantId],
    );
    const location = rows[0] ? toLocation(rows[0]) : null;
    if (generation !== this.generation) return location;
    if (location) this.cache.set(tenantId, location);
    else this.negative.set(tenantId, true);
    return location;
  }

  /**
   * The tenant with this slug. A tenant's slug never changes, so slug-to-id is cached for long;
   * but a slug whose tenant is gone (purged, or a dead provisioning run's, reclaimed) may belong
   * to a new id now, so an id that finds no tenant is asked for again.
   */
  async lookupSlug(slug: string): Promise<TenantLocation | null> {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(slug)) return null;
    const cached = this.slugs.get(slug);
    if (cached) {
      const location = await this.lookup(cached);
      if (location) return location;
      this.slugs.delete(slug);
    }
    const id = (
      await this.controlPool.query<{ id: string }>(
        `SELECT id FROM ${qualified(this.controlSchema, 'tenants')} WHERE slug = $1`,
        [slug],
      )
    ).rows[0]?.id;
    if (!id) return null;
    this.slugs.set(slug, id);
    return this.lookup(id);
  }

  invalidate(tenantId?: string): void {
    this.generation++;
    if (tenantId === undefined) {
      this.cache.clear();
      this.negative.clear();
      this.slugs.clear();
    } else {
      this.cache.delete(tenantId);
      this.negative.delete(tenantId);
      // A purged tenant's slug may be taken again, by a new id.
      for (const [slug, id] of this.slugs.entries()) if (id === tenantId) this.slugs.delete(slug);
    }
  }
}

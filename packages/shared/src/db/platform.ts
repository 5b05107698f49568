import { PrismaPg } from '@prisma/adapter-pg';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Config } from '../config';
import { AppError, notFound, unauthenticatedRequest } from '../errors';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { TenantDirectory, type TenantLocation } from './directory';
import { assertIdentifier } from './identifiers';
import { ClusterPools } from './pools';
import { postgresTls } from '../tls';
import type { Principal } from '../auth/principal';
import type { ReadConsistency } from './read-routing';
import { TenantScopedPool } from './tenant-session';

/** What the data layer needs of a generated Prisma client. */
export interface DisposableClient {
  $disconnect(): Promise<void>;
}

/** Builds one subgraph's generated Prisma client over an adapter aimed at one schema. */
export type ClientFactory<T extends DisposableClient> = (adapter: PrismaPg) => T;

/**
 * The process-wide data layer: one pool per cluster, the tenant directory, and caches of
 * schema-scoped Prisma clients. Create one per process and share it.
 */
export class DataPlatform {
  readonly pools: ClusterPools;
  readonly controlPool: pg.Pool;
  readonly directory: TenantDirectory;
  private readonly clientCaches: TenantClients<DisposableClient>[] = [];
  private readonly controlClients: DisposableClient[] = [];
  private replicaTurn = -1;

  constructor(
    readonly config: Pick<
      Config,
      | 'DATABASE_URL'
      | 'CONTROL_SCHEMA'
      | 'DB_POOL_MAX'
      | 'TENANT_CLIENT_CACHE_MAX'
      | 'TENANT_DIRECTORY_TTL_MS'
      | 'TENANT_DB_USER'
      | 'TENANT_DB_PASSWORD'
    > &
      Partial<Pick<Config, 'DATABASE_SESSIONS' | 'DATABASE_REPLICA_URLS'>> &
      Parameters<typeof postgresTls>[0],
    readonly log: Logger,
    applicationName = 'tradesage',
  ) {
    this.pools = new ClusterPools({
      max: config.DB_POOL_MAX,
      applicationName,
      log,
      tenantLogin: { user: config.TENANT_DB_USER, password: config.TENANT_DB_PASSWORD },
      sessions: config.DATABASE_SESSIONS,
      tls: postgresTls(config),
    });
    this.controlPool = this.pools.get(config.DATABASE_URL);
    this.directory = new TenantDirectory(this.controlPool, config.CONTROL_SCHEMA, {
      ttlMs: config.TENANT_DIRECTORY_TTL_MS,
    });
  }

  /**
   * The location of an active tenant. Unknown and deleted tenants get NOT_FOUND, suspended ones
   * TENANT_SUSPENDED, so a stale token can never reach a schema that should be closed.
   */
  async activeTenant(
    tenantId: string,
    options: { includeSuspended?: boolean } = {},
  ): Promise<TenantLocation> {
    const location = await this.directory.lookup(tenantId);
    if (!location || location.status === 'DELETED' || location.status === 'PROVISIONING') {
      throw notFound('Tenant not found');
    }
    if (location.status === 'SUSPENDED' && !options.includeSuspended) {
      throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
    }
    return location;
  }

  /**
   * An ACTIVE tenant by id or slug, or null: for anonymous flows (sign-in, registration), where
   * unknown, suspended and deleted tenants must all look the same.
   */
  async findActiveTenant(key: { id: string } | { slug: string }): Promise<TenantLocation | null> {
    const location =
      'id' in key
        ? await this.directory.lookup(key.id)
        : await this.directory.lookupSlug(key.slug.trim().toLowerCase());
    return location?.status === 'ACTIVE' ? location : null;
  }

  /**
   * Gate for every request that carries a tenant token: a token of an unknown or deleted tenant
   * is invalid, and a suspended tenant's tokens stop working at once.
   */
  async assertTenantAccess(tenantId: string): Promise<void> {
    const location = await this.directory.lookup(tenantId);
    if (!location || location.status === 'DELETED' || location.status === 'PROVISIONING') {
      throw unauthenticatedRequest('Invalid access token');
    }
    if (location.status === 'SUSPENDED') {
      throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended', { http: { status: 403 } });
    }
  }

  /** Drops cached directory entries when any replica changes a tenant, and everything after a Redis outage. */
  followTenantChanges(bus: EventBus): void {
    bus.onListening(() => this.directory.invalidate());
    bus.subscribe('tenant.changed', ({ tenantId }) => this.directory.invalidate(tenantId));
  }

  poolFor(location: Pick<TenantLocation, 'connectionUrl'>): pg.Pool {
    return this.pools.get(location.connectionUrl ?? this.config.DATABASE_URL);
  }

  /** A pool whose every connection is in the tenant's role and schema (see tenant-session.ts). */
  tenantSessionPool(
    location: Pick<TenantLocation, 'schemaName' | 'connectionUrl'>,
  ): TenantScopedPool {
    const shared = this.pools.tenantPool(location.connectionUrl ?? this.config.DATABASE_URL);
    return new TenantScopedPool(shared, location.schemaName);
  }

  /** The read replicas of a location's cluster: the primary cluster's from DATABASE_REPLICA_URLS. */
  replicaUrls(location: Pick<TenantLocation, 'connectionUrl' | 'replicaUrls'>): string[] {
    return location.connectionUrl === null
      ? (this.config.DATABASE_REPLICA_URLS ?? [])
      : (location.replicaUrls ?? []);
  }

  /** A read replica of the cluster a location is on, taken in turn, or undefined when none. */
  replicaFor(location: Pick<TenantLocation, 'connectionUrl' | 'replicaUrls'>): string | undefined {
    const urls = this.replicaUrls(location);
    if (urls.length === 0) return undefined;
    this.replicaTurn = (this.replicaTurn + 1) % urls.length;
    return urls[this.replicaTurn];
  }

  /**
   * Whether a caller's reads could go to a replica: their tenant's cluster has one (a cached
   * directory lookup), or, for operators, the primary cluster does.
   */
  async hasReplicas(principal: Principal): Promise<boolean> {
    if (principal.kind === 'operator') return (this.config.DATABASE_REPLICA_URLS ?? []).length > 0;
    if (principal.kind !== 'user') return false;
    const location = await this.directory.lookup(principal.tenantId);
    return location !== null && this.replicaUrls(location).length > 0;
  }

  /**
   * A control-plane client on a replica of the primary cluster, for reads that tolerate lag
   * (lists, health), or undefined when there is none. Use it only when `reads` allows.
   */
  controlReplicaClient<T extends DisposableClient>(factory: ClientFactory<T>): T | undefined {
    const replica = this.replicaFor({ connectionUrl: null, replicaUrls: [] });
    if (!replica) return undefined;
    const client = factory(
      new PrismaPg(this.pools.get(replica), { schema: this.config.CONTROL_SCHEMA }),
    );
    this.controlClients.push(client);
    return client;
  }

  /** A cache of tenant-scoped clients of one generated Prisma client type. */
  tenantClients<T extends DisposableClient>(
    factory: ClientFactory<T>,
    max = this.config.TENANT_CLIENT_CACHE_MAX,
  ): TenantClients<T> {
    const clients = new TenantClients(this, factory, max);
    this.clientCaches.push(clients as unknown as TenantClients<DisposableClient>);
    return clients;
  }

  /** A client aimed at the control-plane schema (used by the tenant subgraph, which owns it). */
  controlClient<T extends DisposableClient>(factory: ClientFactory<T>): T {
    const client = factory(new PrismaPg(this.controlPool, { schema: this.config.CONTROL_SCHEMA }));
    this.controlClients.push(client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([
      ...this.clientCaches.map((cache) => cache.clear()),
      ...this.controlClients.map((client) => client.$disconnect()),
    ]);
    await this.pools.close();
  }
}

/**
 * Tenant-scoped Prisma clients in a bounded LRU. A client is built once per tenant schema and
 * disposed on eviction, which removes its adapter's pool listener.
 */
export class TenantClients<T extends DisposableClient> {
  private readonly cache: LRUCache<string, T>;
  private readonly disposals = new Set<Promise<void>>();

  constructor(
    private readonly platform: DataPlatform,
    private readonly factory: ClientFactory<T>,
    max: number,
  ) {
    this.cache = new LRUCache<string, T>({
      max,
      dispose: (client) => this.dispose(client),
    });
  }

  /**
   * The client for an active tenant (see DataPlatform.activeTenant). `includeSuspended` is for
   * platform operators, who may still look at a suspended tenant.
   */
  async forTenant(tenantId: string, options: { includeSuspended?: boolean } = {}): Promise<T> {
    return this.forLocation(await this.platform.activeTenant(tenantId, options));
  }

  /**
   * The client for reads that tolerate lag (lists, analytics): on a replica of the tenant's
   * cluster when it has one and `reads` allows it (the caller's session has not just written),
   * otherwise on the primary.
   */
  async forReading(
    tenantId: string,
    reads: Pick<ReadConsistency, 'replicaAllowed'>,
    options: { includeSuspended?: boolean } = {},
  ): Promise<T> {
    const location = await this.platform.activeTenant(tenantId, options);
    const replica = this.platform.replicaFor(location);
    return replica && (await reads.replicaAllowed())
      ? this.forLocation({ schemaName: location.schemaName, connectionUrl: replica })
      : this.forLocation(location);
  }

  /**
   * The client for a tenant schema on a given cluster, whatever the tenant's status. Its
   * connections run in the tenant's database role, so it cannot reach any other schema.
   */
  forLocation(location: Pick<TenantLocation, 'schemaName' | 'connectionUrl'>): T {
    const schema = assertIdentifier(location.schemaName);
    const key = `${location.connectionUrl ?? ''}\u0000${schema}`;
    let client = this.cache.get(key);
    if (!client) {
      const pool = this.platform.tenantSessionPool(location);
      client = this.factory(new PrismaPg(pool, { schema }));
      this.cache.set(key, client);
    }
    return client;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Disposes every cached client and waits until all are disconnected. */
  async clear(): Promise<void> {
    this.cache.clear();
    await Promise.all([...this.disposals]);
  }

  private dispose(client: T): void {
    const done = client
      .$disconnect()
      .catch((error: unknown) =>
        this.platform.log.warn({ err: error }, 'disposing a tenant client failed'),
      )
      .finally(() => this.disposals.delete(done));
    this.disposals.add(done);
  }
}

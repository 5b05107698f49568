import pg from 'pg';
import type { Logger } from '../logger';
import { redactUrl } from '../logger';
import { postgresConnection, type ClientTlsFiles } from '../tls';

export interface PoolOptions {
  max: number;
  applicationName: string;
  log: Logger;
  /** The login of tenant connections (see ensureTenantLogin). */
  tenantLogin: { user: string; password?: string };
  /**
   * `single`: the server is one backend session (embedded PGlite), where a second connection
   * would share the first one's transaction. See SingleSessionPools.
   */
  sessions?: 'pooled' | 'single';
  /** DATABASE_TLS_* files (see postgresTls); none: the URL's sslmode alone decides. */
  tls?: ClientTlsFiles;
}

/** How long a checkout waits on a single-session database before it fails instead of hanging. */
const SINGLE_SESSION_WAIT_MS = 30_000;

/**
 * For a database that is one backend session: one connection per cluster for the whole process
 * (every service's DataPlatform in it), shared by the service and tenant sides. A tenant's scope
 * lasts one transaction (TenantScopedPool), so service work never runs in a tenant's role.
 */
class SingleSessionPools {
  private static readonly shared = new Map<string, { pool: pg.Pool; users: number }>();

  static acquire(connectionString: string, log: Logger): pg.Pool {
    let entry = SingleSessionPools.shared.get(connectionString);
    if (!entry) {
      const pool = new pg.Pool({
        connectionString,
        max: 1,
        application_name: 'tradesage:single-session',
        connectionTimeoutMillis: SINGLE_SESSION_WAIT_MS,
        idleTimeoutMillis: 0,
      });
      pool.on('error', (error) =>
        log.error({ err: error, cluster: redactUrl(connectionString) }, 'Postgres session failed'),
      );
      entry = { pool, users: 0 };
      SingleSessionPools.shared.set(connectionString, entry);
    }
    entry.users += 1;
    return entry.pool;
  }

  /** Ends the connection once no DataPlatform in the process uses it any more. */
  static async release(connectionString: string): Promise<void> {
    const entry = SingleSessionPools.shared.get(connectionString);
    if (!entry || --entry.users > 0) return;
    SingleSessionPools.shared.delete(connectionString);
    await entry.pool.end();
  }
}

/**
 * Two pg.Pools per database cluster, shared by everything in the process: the service pool
 * (control plane, migrations, provisioning) and the tenant pool, whose connections only ever
 * serve tenants through TenantScopedPool, in a tenant's role. The two never swap connections.
 */
export class ClusterPools {
  private readonly pools = new Map<string, pg.Pool>();
  /** Single-session mode: the process-wide connection of each cluster this instance uses. */
  private readonly singleSessions = new Map<string, pg.Pool>();

  constructor(private readonly options: PoolOptions) {}

  /** The service pool of a cluster: connections with the service's own login privileges. */
  get(connectionString: string): pg.Pool {
    return this.pool(connectionString, 'service');
  }

  /** The tenant pool of a cluster: borrow from it only through TenantScopedPool. */
  tenantPool(connectionString: string): pg.Pool {
    return this.pool(connectionString, 'tenant');
  }

  /** The cluster's URL with the tenant login in place of the service's. */
  private tenantUrl(connectionString: string): string {
    const url = new URL(connectionString);
    url.username = encodeURIComponent(this.options.tenantLogin.user);
    url.password = this.options.tenantLogin.password
      ? encodeURIComponent(this.options.tenantLogin.password)
      : '';
    return url.toString();
  }

  private pool(connectionString: string, kind: 'service' | 'tenant'): pg.Pool {
    const key = `${kind}\u0000${connectionString}`;
    let pool = this.pools.get(key);
    if (!pool && this.options.sessions === 'single') {
      pool = this.singleSession(connectionString);
      this.pools.set(key, pool);
    }
    if (!pool) {
      pool = new pg.Pool({
        ...postgresConnection(
          kind === 'tenant' ? this.tenantUrl(connectionString) : connectionString,
          this.options.tls,
        ),
        max: this.options.max,
        application_name: `${this.options.applicationName}:${kind}`,
        idleTimeoutMillis: 30_000,
      });
      const log = this.options.log.child({ cluster: redactUrl(connectionString), pool: kind });
      pool.on('error', (error) => log.error({ err: error }, 'idle Postgres connection failed'));
      this.pools.set(key, pool);
    }
    return pool;
  }

  private singleSession(connectionString: string): pg.Pool {
    if (!this.singleSessions.has(connectionString))
      this.singleSessions.set(
        connectionString,
        SingleSessionPools.acquire(connectionString, this.options.log),
      );
    return this.singleSessions.get(connectionString)!;
  }

  all(): pg.Pool[] {
    return [...new Set(this.pools.values())];
  }

  async close(): Promise<void> {
    const shared = new Set(this.singleSessions.values());
    const pools = this.all().filter((pool) => !shared.has(pool));
    const urls = [...this.singleSessions.keys()];
    this.pools.clear();
    this.singleSessions.clear();
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all(urls.map((url) => SingleSessionPools.release(url)));
  }
}

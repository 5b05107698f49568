import pg from 'pg';
import type { Logger } from '../logger';
import { redactUrl } from '../logger';

export interface PoolOptions {
  max: number;
  applicationName: string;
  log: Logger;
  /** The login of tenant connections (see ensureTenantLogin). */
  tenantLogin: { user: string; password?: string };
}

/**
 * Two pg.Pools per database cluster, shared by everything in the process: the service pool
 * (control plane, migrations, provisioning) and the tenant pool, whose connections only ever
 * serve tenants through TenantScopedPool, in a tenant's role. The two never swap connections.
 */
export class ClusterPools {
  private readonly pools = new Map<string, pg.Pool>();

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
    if (!pool) {
      pool = new pg.Pool({
        connectionString: kind === 'tenant' ? this.tenantUrl(connectionString) : connectionString,
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

  all(): pg.Pool[] {
    return [...this.pools.values()];
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

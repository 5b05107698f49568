import pg from 'pg';
import type { Logger } from '../logger';
import { redactUrl } from '../logger';

export interface PoolOptions {
  max: number;
  /** How many Prisma adapters may share one pool; each adds an 'error' listener while connected. */
  maxAdapters: number;
  applicationName: string;
  log: Logger;
}

/**
 * One pg.Pool per database cluster, shared by everything in the process: tenant clients, the
 * control-plane client, the migration runner and raw SQL.
 */
export class ClusterPools {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly options: PoolOptions) {}

  get(connectionString: string): pg.Pool {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({
        connectionString,
        max: this.options.max,
        application_name: this.options.applicationName,
        idleTimeoutMillis: 30_000,
      });
      // Every cached tenant client's adapter listens on its pool. An evicted client detaches only
      // once its asynchronous disconnect finishes, so allow the cache bound twice over, plus ours.
      pool.setMaxListeners(this.options.maxAdapters * 2 + 16);
      const log = this.options.log.child({ cluster: redactUrl(connectionString) });
      pool.on('error', (error) => log.error({ err: error }, 'idle Postgres connection failed'));
      this.pools.set(connectionString, pool);
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

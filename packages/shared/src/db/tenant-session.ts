import pg from 'pg';
import { quoteIdent, tenantRoleName } from './identifiers';
import { checkOut } from './sql';

/**
 * The database-level isolation layer. Every connection that serves a tenant first takes that
 * tenant's role (`SET ROLE`), which has privileges on the tenant's own schema only, and a
 * search_path of just that schema. Even raw SQL, or a client aimed at the wrong schema by
 * mistake, then cannot read another tenant's tables: Postgres refuses with "permission denied".
 */

/**
 * Puts a connection into a tenant's scope. It runs on every checkout, not only when the tenant
 * changes: raw SQL may have run `RESET ROLE` or `SET search_path` on the connection since, and a
 * remembered scope would then be a lie. One simple-protocol round trip sets both.
 */
export async function enterTenantScope(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(
    `SET ROLE ${quoteIdent(tenantRoleName(schema))}; SET search_path TO ${quoteIdent(schema)}`,
  );
}

type QueryArgs = Parameters<pg.Pool['query']>;

/**
 * A pg.Pool, as PrismaPg expects, that borrows connections from a shared pool and puts each
 * into a scope before use (`enterScope`). It opens no connections of its own, so building one
 * per client costs nothing.
 */
export abstract class ScopedPool extends pg.Pool {
  constructor(private readonly shared: pg.Pool) {
    super(shared.options);
  }

  /** Puts a freshly checked-out connection into this pool's scope. */
  protected abstract enterScope(client: pg.PoolClient): Promise<void>;

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(callback?: unknown): Promise<pg.PoolClient> | void {
    if (callback) throw new Error('ScopedPool.connect supports promises only');
    return this.scopedConnection();
  }

  override query = (async (...args: QueryArgs) => {
    const client = await this.scopedConnection();
    try {
      return await (client.query as (...a: QueryArgs) => Promise<pg.QueryResult>)(...args);
    } finally {
      client.release();
    }
  }) as unknown as pg.Pool['query'];

  /** Nothing of its own to close: the shared pool belongs to ClusterPools. */
  override async end(): Promise<void> {}

  private async scopedConnection(): Promise<pg.PoolClient> {
    const client = await checkOut(this.shared);
    try {
      await this.enterScope(client);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return client;
  }
}

/** A pool for one tenant schema over the cluster's shared tenant pool. */
export class TenantScopedPool extends ScopedPool {
  constructor(
    shared: pg.Pool,
    readonly schema: string,
  ) {
    super(shared);
    tenantRoleName(schema); // fails early on a bad schema name
  }

  protected override enterScope(client: pg.PoolClient): Promise<void> {
    return enterTenantScope(client, this.schema);
  }
}

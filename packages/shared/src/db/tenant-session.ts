import pg from 'pg';
import { quoteIdent, tenantRoleName } from './identifiers';
import { checkOut } from './sql';

/**
 * The database-level isolation layer. Everything that serves a tenant runs in transactions that
 * first take that tenant's role, which has privileges on the tenant's own schema only, and a
 * search_path of just that schema. Even raw SQL, or a client aimed at the wrong schema by
 * mistake, then cannot read another tenant's tables: Postgres refuses with "permission denied".
 *
 * The scope is transaction-local (`SET LOCAL`): it ends with each transaction, so nothing of it
 * stays on the server connection. Behind PgBouncer in transaction pooling mode, that connection
 * serves another client (another tenant) as soon as the transaction ends, and a session-level
 * `SET ROLE` would go with it.
 */

type QueryArgs = [text: string | pg.QueryConfig, values?: unknown[]];
type Send = (...args: QueryArgs) => Promise<pg.QueryResult>;

/** A statement that opens a transaction. */
const OPENS = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
/** A statement that ends one (ROLLBACK TO SAVEPOINT does not). */
const ENDS =
  /^\s*(COMMIT|END|ABORT|PREPARE\s+TRANSACTION|ROLLBACK(?!\s+((WORK|TRANSACTION)\s+)?TO\b))\b/i;

/** The statements that put the current transaction into a tenant's scope. */
export function tenantScopeSql(schema: string): string {
  return `SET LOCAL ROLE ${quoteIdent(tenantRoleName(schema))}; SET LOCAL search_path TO ${quoteIdent(schema)}`;
}

/**
 * Makes every transaction on a checked-out connection take the scope: right after the client's
 * own BEGIN, or, for a statement sent outside a transaction, in one made for it. Undone on
 * release, since the pool hands the same client object out again.
 */
function scopeEveryTransaction(client: pg.PoolClient, scope: string): void {
  const send = client.query.bind(client) as Send;
  let open = false;
  const scoped = async (...args: QueryArgs): Promise<pg.QueryResult> => {
    if (args.some((arg) => typeof arg === 'function'))
      throw new Error('Tenant connections support promises only');
    const [first] = args;
    const text = typeof first === 'string' ? first : first.text;
    if (open) {
      // Ended even if the COMMIT fails: the server has left the transaction either way.
      if (ENDS.test(text)) open = false;
      return send(...args);
    }
    if (OPENS.test(text)) {
      const result = await send(...args);
      open = true;
      await send(scope);
      return result;
    }
    await send(`BEGIN; ${scope}`);
    try {
      const result = await send(...args);
      await send('COMMIT');
      return result;
    } catch (error) {
      await send('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };
  client.query = scoped as unknown as pg.PoolClient['query'];
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    // The prototype's query again, for whoever checks this client out next.
    delete (client as Partial<pg.PoolClient>).query;
    if (!open || error) return release(error);
    // Released inside a transaction (an error path): end it before anyone else gets the connection.
    open = false;
    send('ROLLBACK').then(
      () => release(),
      (failure: Error) => release(failure),
    );
  };
}

/**
 * A pg.Pool for one tenant schema, as PrismaPg expects, that borrows connections from the
 * cluster's shared tenant pool and scopes every transaction on them to the tenant. It opens no
 * connections of its own, so building one per tenant client costs nothing.
 */
export class TenantScopedPool extends pg.Pool {
  private readonly scope: string;

  constructor(
    private readonly shared: pg.Pool,
    readonly schema: string,
  ) {
    super(shared.options);
    this.scope = tenantScopeSql(schema); // fails early on a bad schema name
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(callback?: unknown): Promise<pg.PoolClient> | void {
    if (callback) throw new Error('TenantScopedPool.connect supports promises only');
    return this.scopedConnection();
  }

  override query = (async (...args: QueryArgs) => {
    const client = await this.scopedConnection();
    try {
      return await (client.query as Send)(...args);
    } finally {
      client.release();
    }
  }) as unknown as pg.Pool['query'];

  /** Nothing of its own to close: the shared pool belongs to ClusterPools. */
  override async end(): Promise<void> {}

  private async scopedConnection(): Promise<pg.PoolClient> {
    const client = await checkOut(this.shared);
    scopeEveryTransaction(client, this.scope);
    return client;
  }
}

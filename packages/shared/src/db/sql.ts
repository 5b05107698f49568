import type pg from 'pg';
import { quoteIdent } from './identifiers';

/** `"schema"."table"`, both identifiers checked and quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Checks a connection out of a pool, to run several queries on. While a connection is out, the
 * pool no longer listens for its errors, and one that dies then (Postgres restarted or killed,
 * the network cut) emits an 'error' that nobody handles, which ends the process. The query that
 * was running, or the next one, fails with the error anyway: the event is only caught here, for
 * as long as the connection is out.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    client.removeListener('error', ignore);
    return release(error);
  };
  return client;
}

/** Runs fn in one transaction on one connection, rolling back on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await checkOut(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Raw SQL inside one schema: a transaction whose search_path is only that schema, so unqualified
 * names cannot reach another tenant's tables by accident.
 */
export async function withSchema<T>(
  pool: pg.Pool,
  schema: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    return fn(client);
  });
}

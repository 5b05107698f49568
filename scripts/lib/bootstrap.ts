import pg from 'pg';
import {
  migrateControlPlane,
  quoteIdent,
  redactUrl,
  type Config,
  type Logger,
  type MigrationResult,
} from '@tradesage/shared';

/**
 * Creates the configured database if it does not exist yet. Development only: a fresh machine's
 * `npm start` then works without any manual step. Production databases are made by operators.
 */
export async function ensureDatabase(config: Config, log: Logger): Promise<void> {
  const target = new URL(config.DATABASE_URL);
  const database = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(config.DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      log.info({ database: redactUrl(config.DATABASE_URL) }, 'created database');
    }
  } finally {
    await client.end();
  }
}

/** Applies the control-plane migrations with a short-lived pool of its own. */
export async function migrateControl(config: Config, log: Logger): Promise<MigrationResult> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    const result = await migrateControlPlane(pool, config);
    for (const name of result.applied)
      log.info({ migration: name }, 'applied control-plane migration');
    return result;
  } finally {
    await pool.end();
  }
}

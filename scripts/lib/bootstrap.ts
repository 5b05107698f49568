import { Redis } from 'ioredis';
import pg from 'pg';
import {
  migrateControlPlane,
  quoteIdent,
  redactUrl,
  SUBGRAPH_NAMES,
  type Config,
  type Logger,
  type MigrationResult,
} from '@tradesage/shared';

/** Each service's entry point, relative to the repository root: what `npm start` runs. */
export const SERVICE_ENTRY_POINTS: Record<(typeof SUBGRAPH_NAMES)[number] | 'router', string> = {
  ...(Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, `subgraphs/${name}/src/server.ts`]),
  ) as Record<(typeof SUBGRAPH_NAMES)[number], string>),
  router: 'router/src/server.ts',
};

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

/** A service the stack needs that does not answer, and where it was looked for. */
export interface MissingService {
  service: 'PostgreSQL' | 'Redis';
  /** The configured URL, without its password. */
  url: string;
  variable: 'DATABASE_URL' | 'REDIS_URL';
  error: string;
}

const PROBE_TIMEOUT_MS = 3_000;

/**
 * Asks PostgreSQL and Redis whether they answer, each once with a short timeout, so that a
 * missing one is named at start-up instead of surfacing as retries in five services' logs.
 */
export async function missingServices(
  config: Pick<Config, 'DATABASE_URL' | 'REDIS_URL'>,
): Promise<MissingService[]> {
  const postgres = async () => {
    // The maintenance database: the configured one may not exist yet (ensureDatabase makes it).
    const admin = new URL(config.DATABASE_URL);
    admin.pathname = '/postgres';
    const client = new pg.Client({
      connectionString: admin.toString(),
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const redis = async () => {
    const client = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      connectTimeout: PROBE_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  };
  const probes = [
    { service: 'PostgreSQL', variable: 'DATABASE_URL', url: config.DATABASE_URL, probe: postgres },
    { service: 'Redis', variable: 'REDIS_URL', url: config.REDIS_URL, probe: redis },
  ] as const;
  const results = await Promise.all(
    probes.map(async ({ service, variable, url, probe }) => {
      try {
        await probe();
        return undefined;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { service, variable, url: redactUrl(url), error: message } as MissingService;
      }
    }),
  );
  return results.filter((missing): missing is MissingService => missing !== undefined);
}

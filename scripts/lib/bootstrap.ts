import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  explorationEnabled,
  migrateControlPlane,
  postgresConnection,
  postgresTls,
  qualified,
  quoteIdent,
  redactUrl,
  SUBGRAPH_NAMES,
  subgraphPort,
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
  // One connection on a single-session database (PGlite), where a second would share the first.
  const pool = new pg.Pool({
    // DATABASE_TLS_* as the services use them: the migration Job runs this in production.
    ...postgresConnection(config.DATABASE_URL, postgresTls(config)),
    max: config.DATABASE_SESSIONS === 'single' ? 1 : 2,
  });
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

/** The first platform operator, when `npm start` is about to create it. */
export interface FirstOperator {
  email: string;
  /** Only when generated here (never one the environment gave, which its owner already knows). */
  password?: string;
}

/** The address of the operator `npm start` creates on a fresh development database. */
export const GENERATED_OPERATOR_EMAIL = 'operator@tradesage.local';

/**
 * Whether the auth subgraph will create the first platform operator on this start, and with
 * what. With no operator yet and no BOOTSTRAP_OPERATOR_* settings, development gets a generated
 * password (shown once in the start-up summary); production needs `npm run operator:create`.
 */
export async function prepareFirstOperator(config: Config): Promise<FirstOperator | undefined> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  let operators: number;
  try {
    const { rows } = await pool.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${qualified(config.CONTROL_SCHEMA, 'platform_operators')}`,
    );
    operators = rows[0].count;
  } finally {
    await pool.end();
  }
  if (operators > 0) return undefined;
  if (config.BOOTSTRAP_OPERATOR_EMAIL && config.BOOTSTRAP_OPERATOR_PASSWORD)
    return { email: config.BOOTSTRAP_OPERATOR_EMAIL };
  if (config.NODE_ENV === 'production') return undefined;
  const operator = {
    email: GENERATED_OPERATOR_EMAIL,
    password: randomBytes(18).toString('base64url'),
  };
  config.BOOTSTRAP_OPERATOR_EMAIL = operator.email;
  config.BOOTSTRAP_OPERATOR_PASSWORD = operator.password;
  return operator;
}

/** Where this machine reaches the services: HOST, or loopback when they listen on every address. */
function localAddress(config: Config): string {
  return ['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
}

/**
 * Waits until every service (the four subgraphs and the router) answers /readyz, or `stopped`
 * settles first (a service failed). Resolves whether they all became ready.
 */
export async function waitUntilReady(config: Config, stopped: Promise<void>): Promise<boolean> {
  let over = false;
  void stopped.then(() => (over = true));
  const ports = [...SUBGRAPH_NAMES.map((name) => subgraphPort(config, name)), config.ROUTER_PORT];
  const ready = (port: number) =>
    fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
  while (!over) {
    if ((await Promise.all(ports.map(ready))).every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * The block `npm start` prints once the router is ready: how it runs, where to go, and the
 * first operator's sign-in if it was just created. Plain text, for a person at a terminal.
 */
export function printStartupSummary(
  config: Config,
  details: { mode: string; operator?: FirstOperator; limitations: string[]; dataDir?: string },
): void {
  const router = `http://${localAddress(config)}:${config.ROUTER_PORT}/graphql`;
  const rows: [string, string][] = [
    ['mode', details.mode],
    ['router', router],
    [
      'Sandbox',
      explorationEnabled(config)
        ? `${router} (open it in a browser)`
        : 'off (GRAPHQL_EXPLORATION, production)',
    ],
  ];
  if (details.dataDir) rows.push(['data', details.dataDir]);
  if (details.operator)
    rows.push([
      'operator',
      details.operator.password
        ? `${details.operator.email} / ${details.operator.password} (created now; shown only this once)`
        : `${details.operator.email} (created now from BOOTSTRAP_OPERATOR_EMAIL)`,
    ]);
  for (const limitation of details.limitations) rows.push(['limited', limitation]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const rule = '─'.repeat(60);
  console.log(
    [
      `── TradeSage is running ${rule}`.slice(0, 60),
      ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
      rule,
    ].join('\n'),
  );
}

import path from 'node:path';
import { z } from 'zod';
import { tlsConfigProblems } from './tls';

/** Repository root, so that file defaults work whatever the working directory. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** A whole number from an environment string; a blank value is an error, not 0. */
const int = (min: number, max: number) =>
  z
    .string()
    .transform((value, ctx) => {
      const trimmed = value.trim();
      if (!/^-?\d+$/.test(trimmed)) {
        ctx.addIssue({
          code: 'custom',
          message: trimmed === '' ? 'must not be empty' : 'must be a whole number',
        });
        return z.NEVER;
      }
      return Number(trimmed);
    })
    .pipe(z.number().int().min(min).max(max));
/** 0 lets the OS choose a free port (tests). */
const port = int(0, 65535);
const url = z.string().url();

/** Why a string is not a usable JWKS document, or undefined when it is. */
function jwksProblem(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'not JSON';
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'no "keys" array with at least one key';
  const bad = keys.findIndex(
    (key) =>
      typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string',
  );
  return bad === -1 ? undefined : `key ${bad} has no "kty"`;
}

/** Every environment variable the stack reads, with defaults that fit local development. */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` is for a developer's terminal (npm start); services in production log JSON. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  HOST: z.string().min(1).default('127.0.0.1'),

  DATABASE_URL: url.default('postgres://postgres@127.0.0.1:5432/tradesage'),
  CONTROL_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier')
    .default('control'),
  DB_POOL_MAX: int(1, 500).default(10),
  /**
   * Read replicas of the primary cluster (comma-separated URLs). Reads that tolerate lag go to
   * one of them; other clusters name theirs in the control plane (db_clusters.replica_urls).
   */
  DATABASE_REPLICA_URLS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url)),
  /**
   * After a session writes, its reads go to the primary for this long, so it reads its own
   * writes whatever the replicas' lag. Longer than the replicas' usual lag.
   */
  REPLICA_READ_AFTER_WRITE_SECONDS: int(1, 3600).default(10),
  /**
   * `single`: the database is one backend session (embedded PGlite), so everything in the process
   * shares one connection and puts it back in scope on every checkout. Set by `npm start`.
   */
  DATABASE_SESSIONS: z.enum(['pooled', 'single']).default('pooled'),
  /**
   * What `npm start` does outside production when PostgreSQL or Redis does not answer: `auto`
   * starts an embedded PostgreSQL (PGlite) or an in-process Redis instead; `off` refuses to start.
   */
  EMBEDDED_FALLBACK: z.enum(['auto', 'off']).default('auto'),
  /** Where the embedded PostgreSQL keeps its data. */
  EMBEDDED_DATA_DIR: z.string().min(1).default(path.join(REPO_ROOT, '.data')),
  TENANT_CLIENT_CACHE_MAX: int(1, 100_000).default(200),
  TENANT_DIRECTORY_TTL_MS: int(0, 86_400_000).default(30_000),
  /**
   * The login tenant connections use: NOINHERIT, no privileges of its own, a member of every
   * tenant role. Same host and database as each cluster's URL; only the user (and password) differ.
   */
  TENANT_DB_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier')
    .default('tradesage_tenant'),
  TENANT_DB_PASSWORD: z.string().optional(),
  /** How long a deleted tenant's data is kept before it is purged. */
  TENANT_RETENTION_DAYS: int(0, 3650).default(30),
  /** S3 (or an S3-compatible store) for tenant backups. No endpoint means AWS itself. */
  S3_ENDPOINT: url.optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('tradesage-backups'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  BACKUP_RETENTION_COUNT: int(1, 1000).default(7),
  /** When the daily backup of every tenant runs (cron syntax, UTC); one replica runs it. */
  BACKUP_CRON: z.string().min(1).default('0 3 * * *'),
  /** How often tenant health is checked and published (one replica does it per interval). */
  TENANT_HEALTH_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
  /**
   * `off`: BackupTenant and RestoreTenant refuse (SERVICE_UNAVAILABLE, reason BACKUPS_OFF) and
   * no scheduled backups or purges run. `npm start` sets it with embedded PostgreSQL.
   */
  BACKUPS: z.enum(['on', 'off']).default('on'),
  /** Where pg_dump, pg_restore and psql are; empty means the PATH. */
  PG_BIN_DIR: z.string().default(''),
  PRISMA_DIR: z.string().default(path.join(REPO_ROOT, 'prisma')),

  /** `memory://…`: an in-process Redis shared by everything in the process (embedded mode). */
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('ts:'),

  JWT_ISSUER: z.string().min(1).default('https://auth.tradesage.local'),
  JWT_AUDIENCE: z.string().min(1).default('tradesage-api'),
  /**
   * Signing keys (PEM, PKCS#8, Ed25519 or RSA), one file per key, named by key id; the newest
   * name signs and all verify, so rotation is adding a file. Fits Vault agent or a Kubernetes
   * secret volume.
   */
  JWT_KEYS_DIR: z.string().optional(),
  /** The same as a JSON array of {"kid","pem"}, for platforms that pass secrets as variables. */
  JWT_PRIVATE_KEYS: z.string().optional(),
  /** Where a service without keys of its own fetches the JWKS (the auth subgraph's or router's). */
  JWT_JWKS_URL: url.optional(),
  JWT_ACCESS_TTL_SECONDS: int(30, 86_400).default(900),
  /** Public keys that verify access tokens, as a JWKS JSON document. */
  JWT_JWKS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const problem = jwksProblem(value);
      if (problem)
        ctx.addIssue({ code: 'custom', message: `must be a JWKS JSON document (${problem})` });
    }),

  /**
   * Keys that encrypt secrets at rest (TOTP secrets), one file per key named by key id, each 32
   * random bytes in base64. Every key decrypts; SECRETS_ACTIVE_KEY, or else the last id in sort
   * order, encrypts. Fits Vault agent or a Kubernetes secret volume.
   */
  SECRETS_KEYS_DIR: z.string().optional(),
  /** The same as comma-separated `<key id>:<base64 key>` pairs, for secrets passed as variables. */
  SECRETS_KEYS: z.string().optional(),
  /** The key id that encrypts; unset or empty: the last key id in sort order. */
  SECRETS_ACTIVE_KEY: z.string().optional(),
  /** How often the auth subgraph re-reads those keys and re-encrypts what older keys sealed (one replica per pass). */
  SECRETS_ROTATION_INTERVAL_SECONDS: int(60, 7 * 86_400).default(3600),

  /** Where the React app lives: links in e-mails (verification, reset, invitation) point there. */
  PUBLIC_APP_URL: url.default('http://localhost:5173'),
  /** The mail server (smtp:// or smtps://, user and password in the URL if it needs them). */
  SMTP_URL: url.default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('TradeSage <no-reply@tradesage.local>'),
  /** How long e-mailed tokens stay usable. */
  EMAIL_VERIFICATION_TTL_SECONDS: int(300, 30 * 86_400).default(48 * 3600),
  PASSWORD_RESET_TTL_SECONDS: int(300, 86_400).default(3600),
  INVITATION_TTL_SECONDS: int(3600, 30 * 86_400).default(7 * 86_400),

  /** Sessions (and so refresh tokens) end this long after login, whatever the activity. */
  SESSION_ABSOLUTE_TTL_SECONDS: int(300, 365 * 86_400).default(30 * 86_400),
  /** A session not used (no request, no refresh) for this long ends. */
  SESSION_IDLE_TTL_SECONDS: int(60, 365 * 86_400).default(7 * 86_400),
  /** A session's `lastSeenAt` (and so its idle deadline) is written at most this often. */
  SESSION_TOUCH_INTERVAL_SECONDS: int(1, 3600).default(60),
  /** A user at the tenant's maxSessionsPerUser signs in: end their oldest session, or refuse. */
  SESSION_LIMIT_POLICY: z.enum(['evict-oldest', 'refuse']).default('evict-oldest'),
  /** How often the session service ends expired sessions and announces them (EXPIRED). */
  SESSION_SWEEP_INTERVAL_SECONDS: int(1, 3600).default(15),
  /** How long a service trusts a session it checked before asking Redis again (revocations arrive sooner, over pub/sub). */
  SESSION_CACHE_TTL_SECONDS: int(1, 3600).default(30),

  /** How long users' activity entries are kept. */
  ACTIVITY_RETENTION_DAYS: int(1, 3650).default(90),
  /**
   * The HMAC-SHA256 key of erased users' pseudonyms (eraseUser; docs/privacy.md). Secret, and
   * never changed: the same user must always get the same pseudonym. Required in production for
   * eraseUser; elsewhere a fixed development key stands in.
   */
  PSEUDONYM_KEY: z
    .string()
    .min(32, 'must be at least 32 characters (openssl rand -base64 32)')
    .optional(),

  /** Failed logins allowed per account (and per account and IP) before a lockout. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 1000).default(5),
  /** Failed logins allowed per IP, across accounts, before the IP is blocked. */
  LOGIN_MAX_FAILURES_PER_IP: int(1, 100_000).default(50),
  /** The window failures are counted in, and the first lockout; repeats double it. */
  LOGIN_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(900),
  /** Password-reset, verification-resend and registration requests per IP per hour. */
  AUTH_REQUESTS_PER_IP_PER_HOUR: int(1, 100_000).default(20),

  /**
   * Proxies whose X-Forwarded-For is believed (Express "trust proxy" syntax: IPs, CIDRs,
   * `loopback`, `uniquelocal`). Subgraphs behind the router keep the default.
   */
  TRUSTED_PROXIES: z.string().default('loopback'),

  /** Google sign-in (OpenID Connect). Any OIDC issuer works; tests use a local one. */
  OIDC_ISSUER_URL: url.default('https://accounts.google.com'),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** Comma-separated redirect URIs the app may ask for; anything else is refused. */
  OIDC_REDIRECT_URIS: z.string().default('http://localhost:5173/auth/google/callback'),

  /** The first platform operator, created at start-up when no operator exists yet. */
  BOOTSTRAP_OPERATOR_EMAIL: z.email().optional(),
  BOOTSTRAP_OPERATOR_PASSWORD: z.string().optional(),
  BOOTSTRAP_OPERATOR_NAME: z.string().min(1).default('Platform operator'),

  ROUTER_PORT: port.default(4000),
  AUTH_PORT: port.default(4001),
  TENANT_PORT: port.default(4002),
  USER_PORT: port.default(4003),
  SESSION_PORT: port.default(4004),
  AUTH_SUBGRAPH_URL: url.default('http://127.0.0.1:4001/graphql'),
  TENANT_SUBGRAPH_URL: url.default('http://127.0.0.1:4002/graphql'),
  USER_SUBGRAPH_URL: url.default('http://127.0.0.1:4003/graphql'),
  SESSION_SUBGRAPH_URL: url.default('http://127.0.0.1:4004/graphql'),
  SUPERGRAPH_PATH: z.string().default(path.join(REPO_ROOT, 'schema/supergraph.graphql')),
  /**
   * Where the router sends each subgraph's fetches: `configured` (the *_SUBGRAPH_URL settings,
   * for TradeSage's four subgraphs) or `supergraph` (the URL each subgraph has in the supergraph
   * file, for any supergraph: conformance runs and benchmarks).
   */
  SUBGRAPH_URLS: z.enum(['configured', 'supergraph']).default('configured'),
  /** How long the router waits for a subgraph's answer to one fetch. */
  SUBGRAPH_TIMEOUT_SECONDS: int(1, 600).default(30),

  // TLS (see tls.ts, which checks how they fit together). Files are PEM; certificate files are
  // watched and reloaded, those of Postgres and Redis are read at start-up. Empty means unset,
  // as charts and compose files render optional values.
  /** This service serves HTTPS (and wss) with this certificate (chain) and key. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /** The CA whose client certificates this service accepts (with TLS_CLIENT_AUTH=require). */
  TLS_CA_FILE: z.string().optional(),
  /** `require`: callers without a client certificate from TLS_CA_FILE fail the handshake. */
  TLS_CLIENT_AUTH: z.enum(['off', 'require']).default('off'),
  /** The router's client certificate, key and CA bundle for https:// subgraph URLs. */
  SUBGRAPH_TLS_CERT_FILE: z.string().optional(),
  SUBGRAPH_TLS_KEY_FILE: z.string().optional(),
  SUBGRAPH_TLS_CA_FILE: z.string().optional(),
  /** Postgres TLS: a CA bundle and client certificate; any of them turns TLS on (verify-full). */
  DATABASE_TLS_CA_FILE: z.string().optional(),
  DATABASE_TLS_CERT_FILE: z.string().optional(),
  DATABASE_TLS_KEY_FILE: z.string().optional(),
  /** Redis TLS (a rediss:// REDIS_URL): a CA bundle and client certificate. */
  REDIS_TLS_CA_FILE: z.string().optional(),
  REDIS_TLS_CERT_FILE: z.string().optional(),
  REDIS_TLS_KEY_FILE: z.string().optional(),

  /** Introspection and the Apollo Sandbox landing page: `auto` is on outside production only. */
  GRAPHQL_EXPLORATION: z.enum(['auto', 'on', 'off']).default('auto'),

  // The router's edge. Each limit refuses an operation before any subgraph sees it.
  /** A built React app (its index.html and assets) the router serves at `/`; none: not served. */
  STATIC_DIR: z.string().optional(),
  /** Browser origins allowed to call the router (comma-separated). Empty: PUBLIC_APP_URL, plus Apollo Studio and Sandbox outside production. */
  CORS_ORIGINS: z.string().default(''),
  /** The largest request body accepted, in bytes. */
  MAX_BODY_BYTES: int(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  MAX_QUERY_DEPTH: int(1, 1000).default(12),
  /** graphql-armor's cost: objects 2, scalars 1, multiplied by 1.5 per level of depth. */
  MAX_QUERY_COST: int(1, 10_000_000).default(10_000),
  MAX_ALIASES: int(0, 10_000).default(30),
  MAX_DIRECTIVES: int(0, 10_000).default(50),
  MAX_TOKENS: int(10, 1_000_000).default(5_000),
  /** Subscriptions one WebSocket connection may hold. */
  SUBSCRIPTIONS_PER_CONNECTION: int(1, 10_000).default(25),
  /** Subscriptions one tenant may hold open at one service replica (router or subgraph). */
  SUBSCRIPTIONS_PER_TENANT: int(1, 1_000_000).default(1_000),
  /** How long an automatic persisted query stays in Redis after its last registration. */
  APQ_TTL_SECONDS: int(60, 30 * 86_400).default(86_400),
  /** Persisted queries larger than this (bytes) are run but not kept. */
  APQ_MAX_QUERY_BYTES: int(256, 1024 * 1024).default(16 * 1024),
  /** Requests per minute per client IP for anonymous traffic (a tenant's own limit is its plan's requestsPerMinute). */
  ANONYMOUS_REQUESTS_PER_MINUTE: int(1, 1_000_000).default(300),
});

export type Config = z.infer<typeof schema>;

/** Every setting's name (docs/configuration.md has a row for each; a test checks). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once. Throws a ConfigError that names every missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const config = result.data;
  // The embedded stand-ins hold everything in one process: never what production runs on.
  if (config.NODE_ENV === 'production') {
    const embedded = [
      config.REDIS_URL.startsWith('memory:') &&
        'REDIS_URL: the in-process Redis (memory:) is for development only',
      config.DATABASE_SESSIONS === 'single' &&
        'DATABASE_SESSIONS: single (embedded PostgreSQL) is for development only',
    ].filter((problem): problem is string => Boolean(problem));
    if (embedded.length > 0) throw new ConfigError(embedded);
  }
  if (config.SESSION_TOUCH_INTERVAL_SECONDS >= config.SESSION_IDLE_TTL_SECONDS)
    throw new ConfigError([
      'SESSION_TOUCH_INTERVAL_SECONDS: must be shorter than SESSION_IDLE_TTL_SECONDS, or use could not keep a session alive',
    ]);
  const tlsProblems = tlsConfigProblems(config);
  if (tlsProblems.length) throw new ConfigError(tlsProblems);
  return config;
}

/** Whether introspection and the Sandbox landing page are served (GRAPHQL_EXPLORATION). */
export function explorationEnabled(config: Pick<Config, 'GRAPHQL_EXPLORATION' | 'NODE_ENV'>) {
  return config.GRAPHQL_EXPLORATION === 'auto'
    ? config.NODE_ENV !== 'production'
    : config.GRAPHQL_EXPLORATION === 'on';
}

export type SubgraphName = 'auth' | 'tenant' | 'user' | 'session';
export const SUBGRAPH_NAMES: readonly SubgraphName[] = ['auth', 'tenant', 'user', 'session'];

export function subgraphPort(config: Config, name: SubgraphName): number {
  const ports: Record<SubgraphName, number> = {
    auth: config.AUTH_PORT,
    tenant: config.TENANT_PORT,
    user: config.USER_PORT,
    session: config.SESSION_PORT,
  };
  return ports[name];
}

export function subgraphUrl(config: Config, name: SubgraphName): string {
  const urls: Record<SubgraphName, string> = {
    auth: config.AUTH_SUBGRAPH_URL,
    tenant: config.TENANT_SUBGRAPH_URL,
    user: config.USER_SUBGRAPH_URL,
    session: config.SESSION_SUBGRAPH_URL,
  };
  return urls[name];
}

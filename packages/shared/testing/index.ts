/**
 * Test support for integration tests against the real Postgres and Redis on this machine.
 * Every test makes its own uniquely named database and drops it afterwards; nothing assumes
 * the server is empty.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { OidcTestProvider } from './oidc';
import type { SmtpCapture } from './smtp';
export { migrateControlPlane } from '../src';
import {
  ACCESS_TOKEN_TYPE,
  createTenantSchema,
  InProcessRedis,
  loadConfig,
  PLATFORM_SCOPE,
  SessionStore,
  loadMigrations,
  loadProvisionScripts,
  qualified,
  quoteIdent,
  tenantSchemaName,
  withTransaction,
  type Config,
} from '../src';

const ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * A new, uniquely named database. `adminUrl` is the maintenance database of the cluster to make
 * it in (default: this machine's, or TEST_POSTGRES_ADMIN_URL); `drop` goes through it too.
 */
export async function createTestDatabase(
  prefix = 'ts_test',
  adminUrl = ADMIN_URL,
): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      // Tenant roles are cluster-wide: find them before the database goes, drop them after.
      const roles = await tenantRolesIn(url.toString());
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        for (const role of roles) await client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The roles of every tenant schema in a database (tenant schemas are named t_<hex>). */
async function tenantRolesIn(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ role: string }>(
      `SELECT r.rolname AS role FROM pg_namespace n JOIN pg_roles r ON r.rolname = n.nspname || '_rw'
        WHERE n.nspname LIKE 't\\_%'`,
    );
    return rows.map((row) => row.role);
  } finally {
    await client.end();
  }
}

/** Configuration for a test: quiet logs, and whatever the test overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}

export interface TestTenant {
  id: string;
  slug: string;
  schemaName: string;
  owner: TestOwner;
}

export interface TestOwner {
  id: string;
  email: string;
  name: string;
}

/**
 * Registers an ACTIVE tenant on the primary cluster and creates its schema and role the way
 * provisioning does (createTenantSchema), with an owner account and profile.
 */
export async function createTestTenant(
  pool: pg.Pool,
  config: Config,
  slug = uniqueName('acme').replace(/_/g, '-'),
  owner: Partial<TestOwner> = {},
): Promise<TestTenant> {
  const id = randomUUID();
  const schemaName = tenantSchemaName(id);
  const fullOwner: TestOwner = {
    id: owner.id ?? randomUUID(),
    email: owner.email ?? `owner@${slug}.test`,
    name: owner.name ?? `Owner of ${slug}`,
  };
  await withTransaction(pool, async (client) => {
    await createTenantSchema(client, {
      schema: schemaName,
      tenantLogin: config.TENANT_DB_USER,
      migrations: loadMigrations(config.PRISMA_DIR, 'tenant'),
      provisionScripts: loadProvisionScripts(config.PRISMA_DIR),
      seed: { tenant: { id, slug }, owner: { ...fullOwner, passwordHash: 'not-a-real-hash' } },
    });
    await client.query(
      `INSERT INTO ${qualified(config.CONTROL_SCHEMA, 'tenants')} (id, slug, name, status, schema_name, cluster_id)
       SELECT $1, $2, $3, 'ACTIVE', $4, id FROM ${qualified(config.CONTROL_SCHEMA, 'db_clusters')} WHERE name = 'primary'`,
      [id, slug, `Tenant ${slug}`, schemaName],
    );
  });
  return { id, slug, schemaName, owner: fullOwner };
}

export interface TestSigner {
  /** The JWKS document to put in JWT_JWKS. */
  jwks: string;
  /** The private key as JWT_PRIVATE_KEYS, for services that should sign with it too. */
  privateKeys: string;
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string }): Promise<string>;
}

/** An Ed25519 key pair that signs access tokens the way the auth service will. */
export async function createTestSigner(
  config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
): Promise<TestSigner> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [jwk] }),
    privateKeys: JSON.stringify([{ kid, pem: await exportPKCS8(privateKey) }]),
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(privateKey),
  };
}

/**
 * An access token for a live session: the session is opened in the store first (every service
 * refuses tokens of sessions it does not know). No `tid`: a platform operator's session.
 */
export async function signedSessionToken(
  redis: Redis,
  redisPrefix: string,
  signer: TestSigner,
  claims: { sub: string; roles: string[]; tid?: string; tslug?: string },
  options: { ttlSeconds?: number; expiresIn?: string } = {},
): Promise<string> {
  const { session } = await new SessionStore(redis, redisPrefix).create({
    tenantId: claims.tid ?? PLATFORM_SCOPE,
    userId: claims.sub,
    device: { type: 'DESKTOP', os: 'Linux', browser: 'Firefox' },
    ipAddress: '203.0.113.7',
    ttlSeconds: options.ttlSeconds ?? 3600,
  });
  return signer.sign(
    { ...claims, sid: session.id },
    options.expiresIn ? { expiresIn: options.expiresIn } : undefined,
  );
}

/** Polls a URL until it answers 200, or fails after the deadline with the last error. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become ready: ${last}`);
}
export * from './smtp';
export * from './oidc';
export * from './gate-probe-client';
export * from './ws';
export * from './wait';
export * from './ports';
export * from './pgbouncer';
export * from './tls';

export interface GraphQLTestResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

/** Posts one GraphQL operation, the way a client does, with optional extra headers. */
export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLTestResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLTestResponse['body'],
  };
}

/** A fresh key for secrets at rest, as one SECRETS_KEYS entry (`<key id>:<base64>`). */
export function testSecretKey(keyId: string): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}

/**
 * The settings that point a stack's sign-in at the test's own servers: its signing key, SMTP
 * capture, OIDC provider (standing in for Google) and first operator, whichever are given.
 */
/** Where the test identity provider sends users back (PUBLIC_APP_URL is http://app.test). */
export const GOOGLE_REDIRECT_URI = 'http://app.test/auth/google/callback';

export function signInSettings(parts: {
  signer?: TestSigner;
  smtp?: SmtpCapture;
  google?: { provider: OidcTestProvider; redirectUri: string };
  operator?: { email: string; password: string };
}): Record<string, string> {
  const { signer, smtp, google, operator } = parts;
  return {
    PUBLIC_APP_URL: 'http://app.test',
    // Production refuses to start without keys for secrets at rest; each stack gets its own.
    SECRETS_KEYS: testSecretKey('test-1'),
    ...(signer ? { JWT_PRIVATE_KEYS: signer.privateKeys } : {}),
    ...(smtp ? { SMTP_URL: smtp.url } : {}),
    ...(google
      ? {
          OIDC_ISSUER_URL: google.provider.issuer,
          OIDC_CLIENT_ID: google.provider.clientId,
          OIDC_CLIENT_SECRET: google.provider.clientSecret,
          OIDC_REDIRECT_URIS: google.redirectUri,
        }
      : {}),
    ...(operator
      ? {
          BOOTSTRAP_OPERATOR_EMAIL: operator.email,
          BOOTSTRAP_OPERATOR_PASSWORD: operator.password,
        }
      : {}),
  };
}

/** A Redis connection and a key prefix of the test's own; `close` deletes its keys. */
export interface TestRedis {
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

/** The Redis server (REDIS_URL), or the in-process Redis of embedded mode. */
export type TestRedisKind = 'server' | 'in-process';

export function createTestRedis(
  name: string,
  kind: TestRedisKind = 'server',
  prefix = `${uniqueName(name)}:`,
): TestRedis {
  const redis: Redis = kind === 'server' ? new Redis(testConfig().REDIS_URL) : new InProcessRedis();
  return {
    redis,
    prefix,
    async close() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** For suites that must hold on both the Redis server and the in-process Redis: `describe.each`. */
export const TEST_REDIS_CLIENTS: [string, (name: string) => TestRedis][] = [
  ['Redis', (name) => createTestRedis(name, 'server')],
  ['in-process Redis', (name) => createTestRedis(name, 'in-process')],
];

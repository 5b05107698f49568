/**
 * Test support for integration tests against the real Postgres and Redis on this machine.
 * Every test makes its own uniquely named database and drops it afterwards; nothing assumes
 * the server is empty.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import pg from 'pg';
import {
  loadConfig,
  loadMigrations,
  migrateSchema,
  qualified,
  quoteIdent,
  tenantSchemaName,
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

export async function createTestDatabase(prefix = 'ts_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Configuration for a test: quiet logs, and whatever the test overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}

export async function migrateControlPlane(pool: pg.Pool, config: Config): Promise<void> {
  await migrateSchema(pool, config.CONTROL_SCHEMA, loadMigrations(config.PRISMA_DIR, 'control'));
}

export interface TestTenant {
  id: string;
  slug: string;
  schemaName: string;
}

/**
 * Registers an ACTIVE tenant on the primary cluster and migrates its schema. A stand-in until
 * the tenant service's provisioner exists; it uses the same directory and migration runner.
 */
export async function createTestTenant(
  pool: pg.Pool,
  config: Config,
  slug = uniqueName('acme').replace(/_/g, '-'),
): Promise<TestTenant> {
  const id = randomUUID();
  const schemaName = tenantSchemaName(id);
  await migrateSchema(pool, schemaName, loadMigrations(config.PRISMA_DIR, 'tenant'));
  await pool.query(
    `INSERT INTO ${qualified(config.CONTROL_SCHEMA, 'tenants')} (id, slug, name, status, schema_name, cluster_id)
     SELECT $1, $2, $3, 'ACTIVE', $4, id FROM ${qualified(config.CONTROL_SCHEMA, 'db_clusters')} WHERE name = 'primary'`,
    [id, slug, `Tenant ${slug}`, schemaName],
  );
  return { id, slug, schemaName };
}

export interface TestSigner {
  /** The JWKS document to put in JWT_JWKS. */
  jwks: string;
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string }): Promise<string>;
}

/** An Ed25519 key pair that signs access tokens the way the auth service will. */
export async function createTestSigner(
  config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
): Promise<TestSigner> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [jwk] }),
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(privateKey),
  };
}

/** A TCP port that was free a moment ago, for services a test starts. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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

import pg from 'pg';
import pino from 'pino';
import {
  closeSubgraphDeps,
  createSubgraphDeps,
  startSubgraph,
  type Config,
  type RunningService,
  type SubgraphDeps,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  GOOGLE_REDIRECT_URI,
  migrateControlPlane,
  postGraphQL,
  signInSettings,
  startOidcProvider,
  startSmtpCapture,
  testConfig,
  uniqueName,
  type OidcTestAccount,
  type OidcTestProvider,
  type SmtpCapture,
  type TestDatabase,
} from '@tradesage/shared/testing';
import { createServices as createTenantServices } from '../../tenant/src/data';
import { definition } from '../src/server';

export { GOOGLE_REDIRECT_URI };
export const OPERATOR = { email: 'ops@tradesage.test', password: 'operator password 2026' };

/** What a caller sends besides the operation: a token, and where it says it comes from. */
export interface CallOptions {
  token?: string;
  /** Becomes X-Forwarded-For, which the service believes from loopback (its trusted proxy). */
  ip?: string;
  userAgent?: string;
}

/**
 * The auth subgraph running against real Postgres, Redis, an SMTP server and an OIDC provider
 * on loopback, with the tenant service's provisioner to make tenants.
 */
export interface AuthTestEnv {
  config: Config;
  db: TestDatabase;
  admin: pg.Pool;
  auth: RunningService;
  smtp: SmtpCapture;
  google: OidcTestProvider;
  /** The tenant service's data layer (provisioner, lifecycle). */
  tenantDeps: SubgraphDeps;
  tenants: ReturnType<typeof createTenantServices>;
  call(
    query: string,
    variables?: Record<string, unknown>,
    options?: CallOptions,
  ): ReturnType<typeof postGraphQL>;
  close(): Promise<void>;
}

export async function startAuthTestEnv(
  name: string,
  googleAccounts: OidcTestAccount[] = [],
  overrides: Record<string, string> = {},
): Promise<AuthTestEnv> {
  const db = await createTestDatabase(name);
  const admin = new pg.Pool({ connectionString: db.url, max: 3 });
  const smtp = await startSmtpCapture();
  const google = await startOidcProvider({
    redirectUris: [GOOGLE_REDIRECT_URI],
    accounts: googleAccounts,
  });
  const signer = await createTestSigner(testConfig());
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: `${uniqueName(name)}:`,
    // Directory changes (self-registration, suspension) are seen at once.
    TENANT_DIRECTORY_TTL_MS: '0',
    ...signInSettings({
      signer,
      smtp,
      google: { provider: google, redirectUri: GOOGLE_REDIRECT_URI },
      operator: OPERATOR,
    }),
    AUTH_PORT: '0',
    ...overrides,
  });
  await migrateControlPlane(admin, config);
  const auth = await startSubgraph(definition, { config });
  const tenantDeps = createSubgraphDeps(config, pino({ level: 'silent' }), 'auth-test-tenants');
  const tenants = createTenantServices(tenantDeps);
  return {
    config,
    db,
    admin,
    auth,
    smtp,
    google,
    tenantDeps,
    tenants,
    call: (query, variables, options = {}) =>
      postGraphQL(auth.url, query, variables, {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
        'user-agent': options.userAgent ?? 'auth-tests',
      }),
    async close() {
      await auth.stop();
      await closeSubgraphDeps(tenantDeps);
      await google.close();
      await smtp.close();
      await admin.end();
      await db.drop();
    },
  };
}

/** The token in an e-mailed link. */
export function linkToken(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`No token in ${link}`);
  return token;
}

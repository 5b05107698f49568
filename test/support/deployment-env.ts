/**
 * What a deployment (docker-compose.yml, the Helm chart) must give each service, for the tests
 * that check those files without Docker or Helm. Every setting has a default in
 * packages/shared/src/config.ts, but the defaults point at 127.0.0.1, and production refuses to
 * start without keys: these are the settings a deployment has to set itself.
 */
import { createLogger, loadConfig, loadSecretKeys, type Config } from '@tradesage/shared';

/** A service's environment, as a deployment file gives it. */
export type Env = Record<string, string | undefined>;

export type DeployedService = 'router' | 'auth' | 'tenant' | 'user' | 'session';

export const DEPLOYED_SERVICES: readonly DeployedService[] = [
  'router',
  'auth',
  'tenant',
  'user',
  'session',
];

/** Each inner list: at least one of these variables must be set. */
const EVERY_SERVICE = [['DATABASE_URL'], ['REDIS_URL'], ['HOST']];
const VERIFIES_TOKENS = [['JWT_JWKS_URL', 'JWT_JWKS', 'JWT_PRIVATE_KEYS', 'JWT_KEYS_DIR']];

export const REQUIRED_ENV: Record<DeployedService, string[][]> = {
  router: [
    ...EVERY_SERVICE,
    ...VERIFIES_TOKENS,
    ['AUTH_SUBGRAPH_URL'],
    ['TENANT_SUBGRAPH_URL'],
    ['USER_SUBGRAPH_URL'],
    ['SESSION_SUBGRAPH_URL'],
  ],
  // Auth signs tokens, sends e-mail with links into the app, and encrypts TOTP secrets at rest.
  auth: [
    ...EVERY_SERVICE,
    ['JWT_PRIVATE_KEYS', 'JWT_KEYS_DIR'],
    ['SECRETS_KEYS', 'SECRETS_KEYS_DIR'],
    ['SMTP_URL'],
    ['PUBLIC_APP_URL'],
  ],
  // Tenant writes backups to S3.
  tenant: [...EVERY_SERVICE, ...VERIFIES_TOKENS, ['S3_BUCKET']],
  user: [...EVERY_SERVICE, ...VERIFIES_TOKENS],
  session: [...EVERY_SERVICE, ...VERIFIES_TOKENS],
};

/** The port setting each service listens on, with the default the code gives it. */
export const PORT_SETTING: Record<DeployedService, keyof Config> = {
  router: 'ROUTER_PORT',
  auth: 'AUTH_PORT',
  tenant: 'TENANT_PORT',
  user: 'USER_PORT',
  session: 'SESSION_PORT',
};

/** The problems of one service's environment: missing settings, or what loadConfig refuses. */
export function environmentProblems(service: DeployedService, env: Env): string[] {
  const problems = REQUIRED_ENV[service]
    .filter((anyOf) => !anyOf.some((name) => env[name] !== undefined && env[name] !== ''))
    .map((anyOf) => `${service}: ${anyOf.join(' or ')} is not set`);
  try {
    const config = loadConfig(env);
    // SECRETS_KEYS as the auth subgraph parses it at start-up (a directory is not checked: it is
    // a path inside the container).
    if (service === 'auth' && config.SECRETS_KEYS)
      loadSecretKeys(
        {
          ...config,
          SECRETS_KEYS_DIR: undefined,
          SECRETS_ACTIVE_KEY: config.SECRETS_KEYS_DIR ? undefined : config.SECRETS_ACTIVE_KEY,
        },
        createLogger('deployment-env', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
      );
  } catch (error) {
    problems.push(`${service}: ${(error as Error).message}`);
  }
  return problems;
}

/** The port a service listens on under this environment. */
export function listeningPort(service: DeployedService, env: Env): number {
  return loadConfig(env)[PORT_SETTING[service]] as number;
}

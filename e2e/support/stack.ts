/**
 * The whole stack for end-to-end tests, started the way `npm start` starts it (control-plane
 * migrations, four subgraphs and the router as separate processes), with its own database,
 * Redis prefix, signing key, SMTP capture and OIDC provider.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { parse, print } from 'graphql';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PLATFORM_SCOPE, REPO_ROOT, SessionStore } from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  GOOGLE_REDIRECT_URI,
  freePort,
  signInSettings,
  startOidcProvider,
  startSmtpCapture,
  testConfig,
  uniqueName,
  waitForOk,
  type OidcTestAccount,
  type OidcTestProvider,
  type SmtpCapture,
  type TestDatabase,
  type TestSigner,
} from '@tradesage/shared/testing';

export { GOOGLE_REDIRECT_URI };
export const OPERATOR = { email: 'root@tradesage.test', password: 'first operator password' };
export type ServiceName = 'router' | 'auth' | 'tenant' | 'user' | 'session';

export interface Stack {
  config: ReturnType<typeof testConfig>;
  db: TestDatabase;
  admin: pg.Pool;
  redis: Redis;
  redisPrefix: string;
  signer: TestSigner;
  smtp: SmtpCapture;
  google: OidcTestProvider;
  /** The S3-protocol server (s3rver) that tenant backups go to, and its bucket. */
  s3: { endpoint: string; bucket: string };
  ports: Record<ServiceName, number>;
  routerUrl: string;
  /** The stack's own process (`npm start`), in its own process group. */
  process: ChildProcess;
  /** Everything the stack printed so far. */
  output(): string;
  /** Kills what is left and drops the database, Redis keys and helper servers. */
  close(): Promise<void>;
}

export async function startStack(
  name: string,
  options: { googleAccounts?: OidcTestAccount[]; env?: Record<string, string> } = {},
): Promise<Stack> {
  const config = testConfig();
  const db = await createTestDatabase(`ts_${name}`);
  const admin = new pg.Pool({ connectionString: db.url, max: 3 });
  const redis = new Redis(config.REDIS_URL);
  const redisPrefix = `${uniqueName(name)}:`;
  const signer = await createTestSigner(config);
  const smtp = await startSmtpCapture();
  const google = await startOidcProvider({
    redirectUris: [GOOGLE_REDIRECT_URI],
    accounts: options.googleAccounts ?? [],
  });
  const s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-e2e-s3-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true });
  const { port: s3Port } = (await s3rver.run()) as unknown as { port: number };
  const s3 = { endpoint: `http://127.0.0.1:${s3Port}`, bucket: 'tradesage-backups-e2e' };
  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3Client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  s3Client.destroy();
  const ports = {} as Record<ServiceName, number>;
  for (const service of ['router', 'auth', 'tenant', 'user', 'session'] as const)
    ports[service] = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: redisPrefix,
    // Every service gets the test's key: the auth subgraph signs with it, the others verify.
    ...signInSettings({
      signer,
      smtp,
      google: { provider: google, redirectUri: GOOGLE_REDIRECT_URI },
      operator: OPERATOR,
    }),
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    ROUTER_PORT: String(ports.router),
    ...options.env,
  };
  for (const service of ['auth', 'tenant', 'user', 'session'] as const) {
    env[`${service.toUpperCase()}_PORT`] = String(ports[service]);
    env[`${service.toUpperCase()}_SUBGRAPH_URL`] = `http://127.0.0.1:${ports[service]}/graphql`;
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, like a terminal session, so a test can signal the group.
      detached: true,
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await smtp.close();
    await google.close();
    await s3rver.close();
    fs.rmSync(s3Dir, { recursive: true, force: true });
    await admin.end();
    await db.drop();
  };
  try {
    for (const port of Object.values(ports))
      await waitForOk(`http://127.0.0.1:${port}/readyz`, 90_000);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n--- stack output ---\n${output}`);
  }
  return {
    config,
    db,
    admin,
    redis,
    redisPrefix,
    signer,
    smtp,
    google,
    s3,
    ports,
    routerUrl: `http://127.0.0.1:${ports.router}/graphql`,
    process: child,
    output: () => output,
    close,
  };
}

export interface GraphQLResult {
  status: number;
  body: { data?: any; errors?: any };
}

/** One operation, as a client sends it. */
export async function graphql(
  url: string,
  query: string,
  token?: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResult['body'] };
}

export interface SignedIn {
  token: string;
  refreshToken: string;
  userId: string;
  sessionId: string;
}

/** The React app's Login through the router; `headers` set the device (User-Agent) and address. */
export async function login(
  stack: Pick<Stack, 'routerUrl'>,
  input: { tenantSlug: string; email: string; password: string; deviceName?: string },
  headers: Record<string, string> = {},
): Promise<SignedIn> {
  const result = await graphql(stack.routerUrl, operation('Login'), undefined, { input }, headers);
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  const { accessToken, refreshToken, user, session } = result.body.data.login;
  return { token: accessToken, refreshToken, userId: user.id, sessionId: session.id };
}

/** Invites a user by e-mail (as `by`), follows the link to set a password, and signs them in. */
export async function inviteAndLogin(
  stack: Pick<Stack, 'routerUrl' | 'smtp'>,
  tenantSlug: string,
  by: string,
  user: { email: string; name: string; role: string },
): Promise<SignedIn> {
  const invited = await graphql(stack.routerUrl, operation('InviteUser'), by, { input: user });
  if (invited.body.errors) throw new Error(JSON.stringify(invited.body.errors));
  const mail = await stack.smtp.waitFor((m) => m.to.includes(user.email));
  const token = new URL(mail.links[0]).searchParams.get('token');
  const password = `${user.name.toLowerCase()} long password`;
  const accepted = await graphql(
    stack.routerUrl,
    'mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }',
    undefined,
    { t: token, p: password },
  );
  if (accepted.body.data?.acceptInvitation !== true)
    throw new Error(JSON.stringify(accepted.body.errors));
  return login(stack, { tenantSlug, email: user.email, password });
}

/** The error codes of a result, in order. */
export function codes(result: GraphQLResult): string[] {
  return (result.body.errors ?? []).map(
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );
}

/** The React app's registered operations, sent exactly as the app sends them. */
const contract = parse(
  fs.readFileSync(path.join(REPO_ROOT, 'schema/operations/react-app/operations.graphql'), 'utf8'),
);
export function operation(name: string): string {
  const definition = contract.definitions.find(
    (d) => d.kind === 'OperationDefinition' && d.name?.value === name,
  );
  if (!definition) throw new Error(`no operation ${name} in the contract`);
  return print(definition);
}

/**
 * An access token signed with the stack's key for a session it opens in the session store, as
 * the auth service would (tokens of sessions that do not exist are refused).
 */
export async function sessionToken(
  stack: Pick<Stack, 'redis' | 'redisPrefix' | 'signer'>,
  claims: { sub: string; roles: string[]; tid?: string; tslug?: string },
): Promise<string> {
  const { session } = await new SessionStore(stack.redis, stack.redisPrefix).create({
    tenantId: claims.tid ?? PLATFORM_SCOPE,
    userId: claims.sub,
    device: { type: 'DESKTOP', os: 'Linux', browser: 'Firefox' },
    ipAddress: '203.0.113.7',
    ttlSeconds: 3600,
  });
  return stack.signer.sign({ ...claims, sid: session.id });
}

/**
 * The status a token gets from the router once an ended session has reached every cache (the
 * revocation travels over Redis pub/sub). Polls `Me` until HTTP 401, for at most 5 s: a
 * correctness check, not a timing one (bench/ measures how fast).
 */
export async function statusOnceRevoked(url: string, token: string): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { status } = await graphql(url, '{ me { id } }', token);
    if (status === 401 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

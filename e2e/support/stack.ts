/**
 * The whole stack for end-to-end tests, started the way `npm start` starts it (control-plane
 * migrations, four subgraphs and the router as separate processes), with its own database,
 * Redis prefix, signing key, SMTP capture and OIDC provider.
 *
 * The fault-injection suite (e2e/faults) adds three options: the Postgres cluster and the Redis
 * to use (its own servers, which it stops and kills), and `separateServices`, which runs the
 * commands `npm start` runs each as a process of its own, so that one service can be killed and
 * started again while the others run on (under `npm start`, one exiting stops them all).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { parse, print } from 'graphql';
import { Redis } from 'ioredis';
import pg from 'pg';
import { REPO_ROOT } from '@tradesage/shared';
import { SERVICE_ENTRY_POINTS } from '../../scripts/lib/bootstrap';
import {
  createTestDatabase,
  createTestSigner,
  GOOGLE_REDIRECT_URI,
  freePort,
  signInSettings,
  signedSessionToken,
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

export interface StackOptions {
  googleAccounts?: OidcTestAccount[];
  env?: Record<string, string>;
  /**
   * The maintenance database (`…/postgres`) of the Postgres cluster to make the stack's database
   * in; by default this machine's.
   */
  postgresAdminUrl?: string;
  /** The Redis every service uses; by default this machine's (REDIS_URL), under a key prefix. */
  redisUrl?: string;
  /**
   * A PgBouncer in front of the cluster: the services connect through it (the stack's database
   * is still made, and dropped, directly).
   */
  pgBouncer?: { url(database: string): string };
  /**
   * Runs the control-plane migrations, then each subgraph and the router as a process of its own,
   * with the commands `npm start` runs (scripts/start.ts), instead of `npm start` itself.
   */
  separateServices?: boolean;
}

/** One service's process in a stack started with `separateServices`. */
export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  /** The running process (its own process group), if any. */
  readonly child: ChildProcess | undefined;
  alive(): boolean;
  /** Exits nobody asked for (kill() asks), with the time they happened. */
  readonly crashes: { at: number; code: number | null; signal: NodeJS.Signals | null }[];
  /** Signals the process (default SIGKILL) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again; resolves once its /readyz answers 200. */
  start(): Promise<void>;
}

/** A stack whose services run as separate processes, each of which a test may stop and start. */
export interface ServiceStack extends Omit<Stack, 'process'> {
  services: Record<ServiceName, ServiceProcess>;
}

export const SERVICE_NAMES: readonly ServiceName[] = [
  'auth',
  'tenant',
  'user',
  'session',
  'router',
];

export async function startStack(
  name: string,
  options: StackOptions & { separateServices: true },
): Promise<ServiceStack>;
export async function startStack(name: string, options?: StackOptions): Promise<Stack>;
export async function startStack(
  name: string,
  options: StackOptions = {},
): Promise<Stack | ServiceStack> {
  const config = testConfig(options.redisUrl ? { REDIS_URL: options.redisUrl } : {});
  const db = await createTestDatabase(`ts_${name}`, options.postgresAdminUrl);
  const admin = new pg.Pool({ connectionString: db.url, max: 3 });
  const redis = new Redis(config.REDIS_URL);
  if (options.postgresAdminUrl)
    // Its own cluster may be restarted under it: a dropped idle connection is not an error here.
    admin.on('error', () => undefined);
  if (options.redisUrl) redis.on('error', () => undefined);
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
    DATABASE_URL: options.pgBouncer ? options.pgBouncer.url(db.name) : db.url,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
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
  let output = '';
  const collect = (child: ChildProcess, prefix = '') => {
    const append = (chunk: Buffer) => (output += prefix ? prefixLines(prefix, chunk) : chunk);
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
  };
  const helpers = async () => {
    await smtp.close();
    await google.close();
    await s3rver.close();
    fs.rmSync(s3Dir, { recursive: true, force: true });
  };
  const dropData = async () => {
    // A stack's own Redis may be down when it closes; it needs no tidying then.
    if (!options.redisUrl || redis.status === 'ready') {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    await helpers();
    await admin.end();
    await db.drop();
  };
  const common = {
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
    output: () => output,
  };

  if (options.separateServices) {
    const services = {} as Record<ServiceName, ServiceProcess & { stop(): Promise<void> }>;
    for (const service of SERVICE_NAMES)
      services[service] = serviceProcess(service, ports[service], env, collect);
    const close = async () => {
      await Promise.all(Object.values(services).map((service) => service.stop()));
      await dropData();
    };
    try {
      const migrate = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/migrate.ts'), 'control'],
        { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      collect(migrate, '[migrate] ');
      const [code] = (await once(migrate, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`control-plane migrations failed (exit ${code})`);
      await Promise.all(Object.values(services).map((service) => service.start()));
    } catch (error) {
      await close();
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${output}`);
    }
    return { ...common, services, close };
  }

  // Its own process group, like a terminal session, so a test can signal the group.
  const { child } = runStartScript(env, { detached: true });
  collect(child);
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await dropData();
  };
  try {
    for (const port of Object.values(ports))
      await waitForOk(`http://127.0.0.1:${port}/readyz`, 90_000);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n--- stack output ---\n${output}`);
  }
  return { ...common, process: child, close };
}

/** `npm start` (scripts/start.ts) as a child process, and what it prints, as it prints it. */
export interface StartScriptRun {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

export function runStartScript(
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): StartScriptRun {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

function prefixLines(prefix: string, chunk: Buffer): string {
  return chunk
    .toString()
    .split('\n')
    .map((line, i, lines) => (line === '' && i === lines.length - 1 ? line : prefix + line))
    .join('\n');
}

/**
 * One service run the way `npm start` runs it (`node --import tsx <entry>`, from the repository
 * root), in a process group of its own so that a kill reaches it whole.
 */
function serviceProcess(
  name: ServiceName,
  port: number,
  env: Record<string, string>,
  collect: (child: ChildProcess, prefix: string) => void,
): ServiceProcess & { stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const crashes: ServiceProcess['crashes'] = [];
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = child;
    if (running && alive()) {
      (running as ChildProcess & { expectedExit?: boolean }).expectedExit = true;
      process.kill(-running.pid!, signal);
    }
    await exited;
  };
  return {
    name,
    port,
    get child() {
      return child;
    },
    alive,
    crashes,
    kill,
    async start() {
      if (alive()) throw new Error(`${name} is running already`);
      const started = spawn(process.execPath, ['--import', 'tsx', SERVICE_ENTRY_POINTS[name]], {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child = started;
      collect(started, `[${name}] `);
      exited = new Promise((resolve) =>
        started.once('exit', (code, signal) => {
          if (!(started as ChildProcess & { expectedExit?: boolean }).expectedExit)
            crashes.push({ at: Date.now(), code, signal });
          resolve();
        }),
      );
      await waitForOk(`http://127.0.0.1:${port}/readyz`, 90_000);
      if (!alive()) throw new Error(`${name} exited during start-up`);
    },
    stop: () => kill('SIGKILL'),
  };
}

/** Request headers of a few browsers (User-Agent) on their own addresses (X-Forwarded-For). */
export const DEVICES = {
  laptop: {
    'user-agent':
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'x-forwarded-for': '203.0.113.10',
  },
  phone: {
    'user-agent':
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'x-forwarded-for': '203.0.113.20',
  },
  tablet: {
    'user-agent':
      'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'x-forwarded-for': '203.0.113.30',
  },
};

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
  return signedSessionToken(stack.redis, stack.redisPrefix, stack.signer, claims);
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

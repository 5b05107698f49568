/**
 * The fault-injection suite's tools: a private PostgreSQL cluster and a private Redis that a test
 * may stop, kill and start again (the machine's own servers are shared and never touched), the
 * whole stack on them with each service a process of its own, a light load of clients through the
 * router that records every answer, and the checks every fault ends with: no service died, every
 * error was coded, service came back by itself, and no acknowledged write is missing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ERROR_CODES, quoteIdent } from '@tradesage/shared';
import { freePort, until } from '@tradesage/shared/testing';
import {
  OPERATOR,
  operation,
  SERVICE_NAMES,
  startStack,
  type ServiceName,
  type ServiceStack,
} from '../support/stack';

const run = promisify(execFile);
/** Where initdb, pg_ctl and postgres are (PG_BIN_DIR, as for pg_dump; default: PostgreSQL 15's). */
const PG_BIN = process.env.PG_BIN_DIR || '/usr/lib/postgresql/15/bin';

/** Runs a command as the `postgres` user: initdb and postgres refuse to run as root. */
async function asPostgres(command: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const { stdout } = await run(
    asRoot ? 'runuser' : command,
    asRoot ? ['-u', 'postgres', '--', command, ...args] : args,
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which is in parentheses and may hold spaces): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/**
 * A PostgreSQL 15 cluster of the test's own: initdb into a temporary directory (owned by the
 * `postgres` user), trust authentication, listening on 127.0.0.1 at a free port.
 */
export class PostgresCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** The maintenance database, where test databases are made. */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PostgresCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-faults-pg-'));
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      fs.chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PostgresCluster(dir, await freePort());
    await asPostgres(path.join(PG_BIN, 'initdb'), [
      '-D',
      cluster.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    fs.appendFileSync(
      path.join(cluster.dataDir, 'postgresql.conf'),
      [
        '',
        `port = ${cluster.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        // Five services with two pools each, the test's own connections, and room to spare.
        'max_connections = 300',
        "shared_buffers = '32MB'",
        '',
      ].join('\n'),
    );
    await cluster.start();
    return cluster;
  }

  /** The postmaster's pid, while it runs. */
  pid(): number | undefined {
    try {
      const pid = Number(
        fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      return pid > 0 && alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts the server; resolves once it accepts connections (after crash recovery, if any). */
  async start(): Promise<void> {
    await asPostgres(path.join(PG_BIN, 'pg_ctl'), [
      'start',
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '120',
    ]);
  }

  /** `pg_ctl stop`: `fast` ends every session and checkpoints; `immediate` quits at once (crash recovery at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres(path.join(PG_BIN, 'pg_ctl'), [
      'stop',
      '-D',
      this.dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      '120',
    ]);
  }

  /** SIGKILL to the postmaster and every one of its processes, as the OOM killer would. */
  async kill(): Promise<void> {
    const victims = this.killNow();
    await until(() => victims.every((victim) => !alive(victim)), 'Postgres processes gone', {
      timeoutMs: 10_000,
    });
  }

  /** Sends the SIGKILLs (synchronous, so that an exiting test process can still do it). */
  killNow(): number[] {
    const pid = this.pid();
    if (pid === undefined) return [];
    const victims = [pid, ...childrenOf(pid)];
    for (const victim of victims) {
      try {
        process.kill(victim, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    return victims;
  }

  /** Stops (`fast` or `immediate`) or kills the server, then starts it again. */
  async restart(mode: 'fast' | 'immediate' | 'kill' = 'fast'): Promise<void> {
    if (mode === 'kill') await this.kill();
    else await this.stop(mode);
    await this.start();
  }

  /** The server's log, for a failing test's message. */
  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    if (this.pid() !== undefined) await this.stop('immediate').catch(() => this.kill());
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves whether a Redis server answers PING at the port now. */
function redisPing(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A redis-server of the test's own, without persistence: a restart brings it back empty. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<RedisServer> {
    const server = new RedisServer(
      fs.mkdtempSync(path.join(os.tmpdir(), 'ts-faults-redis-')),
      await freePort(),
    );
    await server.start();
    return server;
  }

  running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts the server; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.running()) throw new Error('Redis is running already');
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--protected-mode',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    await until(() => redisPing(this.port), 'Redis answers PING', { timeoutMs: 20_000 });
  }

  /** SIGTERM (a clean shutdown; nothing is saved) or SIGKILL; resolves once it has exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  /** Kills the server at once (synchronous, so that an exiting test process can still do it). */
  killNow(): void {
    if (this.running()) this.child!.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A stack on its own Postgres and Redis, each service a process of its own. */
export interface FaultStack {
  stack: ServiceStack;
  postgres: PostgresCluster;
  redis: RedisServer;
  close(): Promise<void>;
}

export async function startFaultStack(name: string): Promise<FaultStack> {
  const postgres = await PostgresCluster.create();
  const redis = await RedisServer.create();
  let stack: ServiceStack;
  try {
    stack = await startStack(name, {
      postgresAdminUrl: postgres.adminUrl,
      redisUrl: redis.url,
      separateServices: true,
      // Sign-ins of the load and the probes all come from 127.0.0.1.
      env: { ANONYMOUS_REQUESTS_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' },
    });
  } catch (error) {
    await redis.destroy();
    await postgres.destroy();
    throw error;
  }
  // Should the test process end without closing (a crash, Ctrl-C), nothing is left running.
  const killAll = () => {
    for (const service of Object.values(stack.services))
      if (service.alive()) process.kill(-service.child!.pid!, 'SIGKILL');
    redis.killNow();
    postgres.killNow();
  };
  process.once('exit', killAll);
  return {
    stack,
    postgres,
    redis,
    async close() {
      process.removeListener('exit', killAll);
      try {
        // The stack drops its database through the cluster: both must be up for that.
        if (!redis.running()) await redis.start();
        if (postgres.pid() === undefined) await postgres.start();
        await stack.close();
      } finally {
        await redis.destroy();
        await postgres.destroy();
      }
    },
  };
}

// ---------------------------------------------------------------- requests

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** One answer the router gave (or did not give) to one request. */
export interface Outcome {
  /** When the request was sent (ms since the epoch) and how long its answer took. */
  at: number;
  ms: number;
  op: string;
  /** HTTP status; 0 when no HTTP answer came (refused connection, timeout). */
  status: number;
  codes: string[];
  data?: any;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  /** No answer within the request's time limit. */
  timedOut?: boolean;
  /** No HTTP answer at all, or one that is not a GraphQL response. */
  transportError?: string;
}

/** Whether the answer is a success: HTTP 200, data, and no error at all. */
export const succeeded = (outcome: Outcome) =>
  outcome.status === 200 && !outcome.errors?.length && outcome.data != null;

/**
 * What is wrong with an answer as an answer, whatever the fault: a hang, no GraphQL response, an
 * error without a code (or with one clients do not know), or an HTTP 5xx without coded errors.
 */
export function answerProblem(outcome: Outcome): string | undefined {
  if (outcome.timedOut) return `${outcome.op}: no answer within ${outcome.ms} ms`;
  if (outcome.transportError) return `${outcome.op}: ${outcome.transportError}`;
  const uncoded = (outcome.errors ?? []).filter(
    (error) =>
      typeof error.extensions?.code !== 'string' || !KNOWN_CODES.has(error.extensions.code),
  );
  if (uncoded.length)
    return `${outcome.op}: HTTP ${outcome.status}, error without a known code: ${JSON.stringify(uncoded[0])}`;
  if (outcome.status >= 500 && !outcome.errors?.length)
    return `${outcome.op}: HTTP ${outcome.status} without a coded error`;
  if (outcome.status !== 200 && !outcome.errors?.length)
    return `${outcome.op}: HTTP ${outcome.status} without errors`;
  return undefined;
}

/** Sends one operation through the router with a time limit, and records the answer. */
export async function send(
  url: string,
  op: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; timeoutMs?: number } = {},
): Promise<Outcome> {
  const at = Date.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcome = (fields: Partial<Outcome>): Outcome => ({
    at,
    ms: Date.now() - at,
    op,
    status: 0,
    codes: [],
    ...fields,
  });
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify({ query, variables: options.variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const name = (error as Error).name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? outcome({ timedOut: true })
      : outcome({
          transportError: `${(error as Error).message} (${String((error as { cause?: unknown }).cause ?? '')})`,
        });
  }
  let body: { data?: any; errors?: Outcome['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    return outcome({
      status: response.status,
      transportError: `HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
    });
  }
  return outcome({
    status: response.status,
    data: body.data,
    errors: body.errors,
    codes: (body.errors ?? []).map((error) => String(error.extensions?.code)),
  });
}

// ---------------------------------------------------------------- tenants and users

/** A tenant owner the load signs in as; each has a tenant of their own. */
export interface LoadUser {
  slug: string;
  email: string;
  password: string;
  tenantId: string;
  userId: string;
  schemaName: string;
}

/** The operator's token, from OperatorLogin through the router. */
export async function operatorToken(stack: ServiceStack): Promise<string> {
  const result = await send(stack.routerUrl, 'OperatorLogin', operation('OperatorLogin'), {
    variables: OPERATOR,
  });
  if (!succeeded(result)) throw new Error(`OperatorLogin: ${JSON.stringify(result.errors)}`);
  return result.data.operatorLogin.accessToken;
}

/** Creates tenants (ENTERPRISE: no limit is reached) through the router, one owner each. */
export async function createLoadUsers(
  stack: ServiceStack,
  prefix: string,
  count: number,
): Promise<LoadUser[]> {
  const token = await operatorToken(stack);
  const users: LoadUser[] = [];
  for (let i = 0; i < count; i++) {
    const slug = `${prefix}-${i}`;
    const owner = {
      email: `owner@${slug}.test`,
      name: `Owner ${i}`,
      password: `owner ${i} long password`,
    };
    const created = await send(stack.routerUrl, 'CreateTenant', operation('CreateTenant'), {
      token,
      variables: { input: { slug, name: `Tenant ${slug}`, plan: 'ENTERPRISE', owner } },
      timeoutMs: 30_000,
    });
    if (!succeeded(created))
      throw new Error(`CreateTenant ${slug}: ${JSON.stringify(created.errors)}`);
    const tenantId: string = created.data.createTenant.tenant.id;
    const { rows } = await stack.admin.query<{ schemaName: string }>(
      'SELECT schema_name AS "schemaName" FROM control.tenants WHERE id = $1',
      [tenantId],
    );
    users.push({
      slug,
      email: owner.email,
      password: owner.password,
      tenantId,
      userId: created.data.createTenant.owner.id,
      schemaName: rows[0].schemaName,
    });
  }
  return users;
}

const LOGIN = operation('Login');
const ME = operation('Me');
const UPDATE_PROFILE = operation('UpdateProfile');

/** The profile name a load client writes: its counter, readable back from the database. */
const counterName = (label: string, seq: number) => `${label} #${seq}`;
const counterOf = (name: string | null | undefined) => {
  const match = /#(\d+)$/.exec(name ?? '');
  return match ? Number(match[1]) : -1;
};

/**
 * A client of one user: signs in, reads `Me`, writes its profile name with a counter, and now and
 * then signs in again. It keeps every answer and the writes that were acknowledged.
 */
export class Client {
  token: string | undefined;
  seq = 0;
  readonly outcomes: Outcome[] = [];
  /** Counter values of acknowledged profile writes, in order. */
  readonly acknowledgedWrites: number[] = [];
  /** Session ids of acknowledged sign-ins (each has a LOGIN_SUCCEEDED audit row). */
  readonly acknowledgedSignIns: string[] = [];

  constructor(
    private readonly url: string,
    readonly user: LoadUser,
    readonly label: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private record(outcome: Outcome): Outcome {
    this.outcomes.push(outcome);
    // A refused token (its session ended, or Redis came back empty) means signing in again.
    if (outcome.codes.includes('UNAUTHENTICATED')) this.token = undefined;
    return outcome;
  }

  async signIn(): Promise<boolean> {
    const outcome = this.record(
      await send(this.url, 'Login', LOGIN, {
        variables: {
          input: {
            tenantSlug: this.user.slug,
            email: this.user.email,
            password: this.user.password,
            deviceName: this.label,
          },
        },
        timeoutMs: this.timeoutMs,
      }),
    );
    const login = outcome.data?.login;
    // As the app does: tokens that came are used, even with errors on other fields.
    if (login?.accessToken) this.token = login.accessToken;
    if (succeeded(outcome)) {
      this.acknowledgedSignIns.push(login.session.id);
      return true;
    }
    return false;
  }

  async me(): Promise<Outcome> {
    return this.record(
      await send(this.url, 'Me', ME, { token: this.token, timeoutMs: this.timeoutMs }),
    );
  }

  /** Writes the next counter value as the profile name; true when acknowledged. */
  async write(): Promise<boolean> {
    const seq = ++this.seq;
    const name = counterName(this.label, seq);
    const outcome = this.record(
      await send(this.url, 'UpdateProfile', UPDATE_PROFILE, {
        token: this.token,
        variables: { input: { name } },
        timeoutMs: this.timeoutMs,
      }),
    );
    if (succeeded(outcome) && outcome.data.updateProfile?.name === name) {
      this.acknowledgedWrites.push(seq);
      return true;
    }
    return false;
  }

  /** One full round: a sign-in (`fresh`, or if need be), `Me` and a write all succeed. */
  async round(fresh = false): Promise<boolean> {
    if ((fresh || !this.token) && !(await this.signIn())) return false;
    if (!succeeded(await this.me())) return false;
    return this.write();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The light load: a few clients, each in a loop of `Me`, an acknowledged write and, every few
 * rounds, a fresh sign-in, with a short pause between requests.
 */
export class Load {
  readonly clients: Client[];
  private running: Promise<void>[] = [];
  private stopped = false;

  constructor(
    stack: ServiceStack,
    users: LoadUser[],
    private readonly options: {
      /** Labels the clients' writes (`<label> load <i> #<n>`). */
      label?: string;
      pauseMs?: number;
      /** Every how many rounds a client signs in again; the first client signs in every round. */
      signInEvery?: number;
      timeoutMs?: number;
    } = {},
  ) {
    this.clients = users.map(
      (user, i) =>
        new Client(
          stack.routerUrl,
          user,
          `${options.label ?? 'load'} ${i}`,
          options.timeoutMs ?? 10_000,
        ),
    );
  }

  start(): void {
    this.stopped = false;
    const pause = this.options.pauseMs ?? 50;
    const signInEvery = this.options.signInEvery ?? 10;
    this.running = this.clients.map(async (client, i) => {
      for (let round = 1; !this.stopped; round++) {
        if (!client.token || i === 0 || round % signInEvery === 0) await client.signIn();
        await sleep(pause);
        if (client.token) await client.me();
        await sleep(pause);
        // A refused token was dropped: a write without one would only be refused too.
        if (client.token) await client.write();
        await sleep(pause);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  outcomes(from = 0, to = Infinity): Outcome[] {
    return this.clients
      .flatMap((client) => client.outcomes)
      .filter((outcome) => outcome.at >= from && outcome.at < to)
      .sort((a, b) => a.at - b.at);
  }

  /** Every client got at least one sign-in acknowledged among answers sent at or after `from`. */
  signInsAcknowledgedSince(from: number): boolean {
    return this.clients.every((client) =>
      client.outcomes.some((o) => o.at >= from && o.op === 'Login' && succeeded(o)),
    );
  }

  /** Every client got at least one write acknowledged among answers sent at or after `from`. */
  writesAcknowledgedSince(from: number): boolean {
    return this.clients.every((client) =>
      client.outcomes.some((o) => o.at >= from && o.op === 'UpdateProfile' && succeeded(o)),
    );
  }
}

/** How the answers of a period went: counts by operation and outcome, and the codes seen. */
export function describeOutcomes(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    const result = succeeded(outcome)
      ? 'ok'
      : outcome.timedOut
        ? 'timeout'
        : outcome.transportError
          ? 'transport'
          : `${outcome.status}:${[...new Set(outcome.codes)].join('+')}`;
    const key = `${outcome.op} ${result}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort()
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ');
}

/** The distinct errors among answers: operation, status, code, path and message, with counts. */
export function distinctErrors(outcomes: Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    const lines = outcome.errors?.length
      ? outcome.errors.map(
          (error) =>
            `${outcome.op} HTTP ${outcome.status} ${String(error.extensions?.code)} ${JSON.stringify(error.path ?? [])} ${error.message.slice(0, 160)}`,
        )
      : outcome.timedOut || outcome.transportError
        ? [`${outcome.op} ${outcome.timedOut ? 'timeout' : outcome.transportError}`]
        : [];
    for (const line of new Set(lines)) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts.entries()].map(([line, n]) => `${line} ×${n}`);
}

// ---------------------------------------------------------------- work in flight

/** The backend of a service that waits for a lock (pg_stat_activity), once there is one. */
async function lockWaiter(
  stack: ServiceStack,
  applicationName: string,
  what: string,
): Promise<number> {
  let pid = 0;
  await until(
    async () => {
      const { rows } = await stack.admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'
            AND application_name LIKE $1`,
        [applicationName],
      );
      pid = rows[0]?.pid ?? 0;
      return pid !== 0;
    },
    what,
    { timeoutMs: 30_000 },
  );
  return pid;
}

/** A connection of the test's own, which may die with its server without harm. */
async function ownConnection(stack: ServiceStack): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: stack.db.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const PAUSE_LOCK = 7_744_110;
export type ProvisioningPoint = 'schema' | 'activation';

/**
 * Makes provisioning wait at a point for as long as the test holds an advisory lock: when the
 * tenant's schema is created (an event trigger: inside the schema transaction), or when its row
 * turns ACTIVE (a row trigger: after the schema transaction committed).
 */
export async function pauseProvisioningAt(stack: ServiceStack, point: ProvisioningPoint) {
  const { admin } = stack;
  const holder = await ownConnection(stack);
  await holder.query('SELECT pg_advisory_lock($1)', [PAUSE_LOCK]);
  if (point === 'schema') {
    await admin.query(`CREATE FUNCTION public.faults_pause() RETURNS event_trigger
      LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(${PAUSE_LOCK}); END $$`);
    await admin.query(`CREATE EVENT TRIGGER faults_pause ON ddl_command_end
      WHEN TAG IN ('CREATE SCHEMA') EXECUTE FUNCTION public.faults_pause()`);
  } else {
    await admin.query(`CREATE FUNCTION control.faults_pause() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN
        IF OLD.status = 'PROVISIONING' AND NEW.status = 'ACTIVE' THEN
          PERFORM pg_advisory_xact_lock(${PAUSE_LOCK});
        END IF;
        RETURN NEW;
      END $$`);
    await admin.query(`CREATE TRIGGER faults_pause BEFORE UPDATE ON control.tenants
      FOR EACH ROW EXECUTE FUNCTION control.faults_pause()`);
  }
  return {
    /** The provisioning connection waiting at the point (its backend's pid). */
    waiter: () => lockWaiter(stack, 'tradesage-tenant:%', `provisioning waits at ${point}`),
    /** Lets go, and removes the trigger. */
    async release(): Promise<void> {
      await holder.end().catch(() => undefined);
      if (point === 'schema') {
        await admin.query('DROP EVENT TRIGGER faults_pause');
        await admin.query('DROP FUNCTION public.faults_pause()');
      } else {
        await admin.query('DROP TRIGGER faults_pause ON control.tenants');
        await admin.query('DROP FUNCTION control.faults_pause()');
      }
    },
  };
}

/**
 * Holds a user's profile row locked in a transaction of the test's own, so that a write of the
 * user's profile waits in Postgres: a request in flight when the fault comes.
 */
export async function holdProfileLock(stack: ServiceStack, user: LoadUser) {
  const holder = await ownConnection(stack);
  await holder.query('BEGIN');
  await holder.query(
    `SELECT 1 FROM ${quoteIdent(user.schemaName)}.profiles WHERE user_id = $1 FOR UPDATE`,
    [user.userId],
  );
  return {
    waiter: () =>
      lockWaiter(stack, 'tradesage-user:%', "a profile write waits for the test's lock"),
    release: () => holder.end().catch(() => undefined),
  };
}

/** CreateTenant through the router, with an owner who has a password. */
export function createTenant(
  stack: ServiceStack,
  operator: string,
  slug: string,
  password = 'tenant owner long password',
): Promise<Outcome> {
  return send(stack.routerUrl, 'CreateTenant', operation('CreateTenant'), {
    token: operator,
    variables: {
      input: {
        slug,
        name: `Tenant ${slug}`,
        plan: 'PRO',
        owner: { email: `owner@${slug}.test`, name: `Owner of ${slug}`, password },
      },
    },
    timeoutMs: 30_000,
  });
}

// ---------------------------------------------------------------- checks

/** Whether a service answers /healthz with 200 within a second or two. */
export async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The /readyz status of a service (0 when it does not answer). */
export async function readiness(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(4_000),
    });
    return response.status;
  } catch {
    return 0;
  }
}

/** The last lines a service printed. */
function lastLines(stack: ServiceStack, name: ServiceName, count = 15): string {
  const prefix = `[${name}] `;
  return stack
    .output()
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .slice(-count)
    .join('\n');
}

/**
 * Every service but `except` runs, has never exited unasked, and answers /healthz. Returns the
 * problems found (none: all well).
 */
export async function serviceProblems(
  stack: ServiceStack,
  except: ServiceName[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  for (const name of SERVICE_NAMES) {
    const service = stack.services[name];
    for (const crash of service.crashes)
      problems.push(
        `${name} exited unasked (code ${crash.code}, signal ${crash.signal}); its last words:\n${lastLines(stack, name)}`,
      );
    if (except.includes(name)) continue;
    if (!service.alive()) problems.push(`${name} is not running`);
    else if (!(await healthy(service.port))) problems.push(`${name} does not answer /healthz`);
  }
  return problems;
}

/**
 * Polls `probe` until it holds, with the deadline `deadlineMs` after `returnedAt` (when the
 * dependency was back); returns how long after `returnedAt` it first held.
 */
export async function recoveryTime(
  returnedAt: number,
  probe: () => Promise<boolean>,
  what: string,
  deadlineMs = 5_000,
): Promise<number> {
  let recoveredAt = 0;
  const description = `${what} within ${deadlineMs} ms of the dependency's return`;
  await until(
    async () => {
      if (!(await probe().catch(() => false))) return false;
      recoveredAt = Date.now();
      return true;
    },
    description,
    { timeoutMs: Math.max(0, returnedAt + deadlineMs - Date.now()), intervalMs: 50 },
  );
  // A probe that began before the deadline may end after it: that is not recovery in time.
  if (recoveredAt - returnedAt > deadlineMs)
    throw new Error(`not reached: ${description} (${recoveredAt - returnedAt} ms)`);
  return recoveredAt - returnedAt;
}

/** What the database holds of the clients' acknowledged writes. */
export interface WriteCheck {
  acknowledged: number;
  lost: string[];
}

/**
 * Checks every acknowledged write against the database: each client's profile holds its last
 * acknowledged counter value or a later one; its PROFILE_UPDATED activity entries (written in the
 * same request) number at least the acknowledged writes since `baseline`; and every acknowledged
 * sign-in has its LOGIN_SUCCEEDED audit row.
 */
export async function checkWrites(
  stack: ServiceStack,
  clients: Client[],
  baseline: Map<Client, Counts>,
): Promise<WriteCheck> {
  const lost: string[] = [];
  let acknowledged = 0;
  for (const client of clients) {
    const { user } = client;
    const counts = await countWrites(stack, user);
    const before = baseline.get(client) ?? { profileUpdates: 0, signIns: 0 };
    acknowledged += client.acknowledgedWrites.length + client.acknowledgedSignIns.length;
    const last = client.acknowledgedWrites.at(-1);
    if (last !== undefined && counterOf(counts.profileName) < last)
      lost.push(
        `${client.label}: profile name is "${counts.profileName}", last acknowledged #${last}`,
      );
    if (counts.profileUpdates - before.profileUpdates < client.acknowledgedWrites.length)
      lost.push(
        `${client.label}: ${counts.profileUpdates - before.profileUpdates} PROFILE_UPDATED entries for ${client.acknowledgedWrites.length} acknowledged writes`,
      );
    const { rows } = await stack.admin.query<{ sessionId: string }>(
      `SELECT metadata->>'sessionId' AS "sessionId" FROM ${quoteIdent(user.schemaName)}.audit_events
        WHERE type = 'LOGIN_SUCCEEDED'`,
    );
    const recorded = new Set(rows.map((row) => row.sessionId));
    for (const sessionId of client.acknowledgedSignIns)
      if (!recorded.has(sessionId))
        lost.push(`${client.label}: sign-in ${sessionId} has no audit row`);
  }
  return { acknowledged, lost };
}

export interface Counts {
  profileName: string | null;
  profileUpdates: number;
  signIns: number;
}

export async function countWrites(stack: ServiceStack, user: LoadUser): Promise<Counts> {
  const schema = quoteIdent(user.schemaName);
  const { rows } = await stack.admin.query<{
    name: string | null;
    updates: number;
    signIns: number;
  }>(
    `SELECT (SELECT name FROM ${schema}.profiles WHERE user_id = $1) AS name,
            (SELECT count(*)::int FROM ${schema}.activity WHERE user_id = $1 AND type = 'PROFILE_UPDATED') AS updates,
            (SELECT count(*)::int FROM ${schema}.audit_events WHERE type = 'LOGIN_SUCCEEDED') AS "signIns"`,
    [user.userId],
  );
  return { profileName: rows[0].name, profileUpdates: rows[0].updates, signIns: rows[0].signIns };
}

export async function baselineOf(
  stack: ServiceStack,
  clients: Client[],
): Promise<Map<Client, Counts>> {
  const baseline = new Map<Client, Counts>();
  for (const client of clients) baseline.set(client, await countWrites(stack, client.user));
  return baseline;
}

// ---------------------------------------------------------------- results

export interface FaultResult {
  name: string;
  recoveredMs: number;
  acknowledged: number;
  lost: number;
}

/** Where each fault leaves its result for the suite's closing summary (faults-reporter.js). */
export const RESULTS_DIR = path.join(os.tmpdir(), 'tradesage-faults-results');

/** Prints the fault's summary line and leaves its result for the suite's summary. */
export function reportFault(result: FaultResult): void {
  const line = `fault ${result.name}: survived, recovered in ${result.recoveredMs} ms, ${result.acknowledged} acknowledged writes, ${result.lost} lost`;
  process.stdout.write(`${line}\n`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${result.name}.json`), JSON.stringify(result));
}

/** A line for the test's own output (jest prints console.log with noise around it). */
export function note(message: string): void {
  process.stdout.write(`  ${message}\n`);
}

// ---------------------------------------------------------------- one fault, start to end

export interface FaultPlan {
  /** Names the fault in output, and labels its clients' writes. */
  name: string;
  /** The load's users, and one more (the last) for the recovery probe. */
  users: LoadUser[];
  /** Takes the dependency away. */
  inject(): Promise<void>;
  /** How long it stays away (at least). */
  downMs: number;
  /** Checks while it is away (the load keeps running). */
  during?(context: FaultContext): Promise<void>;
  /** Brings it back; resolves when it is back (the recovery clock starts then). */
  restore(): Promise<void>;
  /** What recovery means beyond the probe's sign-in, `Me` and write. */
  recovered?(context: FaultContext): Promise<boolean>;
  /** Checks once recovered (the load keeps running). */
  after?(context: FaultContext): Promise<void>;
  /** Services that are down on purpose during the fault (not checked for /healthz then). */
  downServices?: ServiceName[];
}

export interface FaultContext {
  load: Load;
  probe: Client;
}

/**
 * One fault under load, with every check the suite makes: the load runs, the dependency goes
 * away and comes back, recovery is polled with a deadline of 5 s after its return, the load goes
 * on until every client has had a sign-in and a write acknowledged again, and then: no service
 * exited unasked and all answer /healthz, every answer was a coded GraphQL response in time, and
 * every acknowledged write is in the database.
 */
export async function runFault(faults: FaultStack, plan: FaultPlan): Promise<FaultResult> {
  const { stack } = faults;
  const probe = new Client(stack.routerUrl, plan.users.at(-1)!, `${plan.name} probe`, 4_000);
  const load = new Load(stack, plan.users.slice(0, -1), { label: plan.name });
  const baseline = await baselineOf(stack, [...load.clients, probe]);
  const started = Date.now();
  load.start();
  try {
    return await underLoad(faults, plan, { load, probe }, baseline, started);
  } finally {
    await load.stop();
  }
}

const STEADY_MS = 2_000;

async function underLoad(
  faults: FaultStack,
  plan: FaultPlan,
  context: FaultContext,
  baseline: Map<Client, Counts>,
  started: number,
): Promise<FaultResult> {
  const { stack } = faults;
  const { load, probe } = context;
  // Warm: every client has had writes acknowledged (the first requests of a process are slow).
  await until(() => load.writesAcknowledgedSince(started), 'the load works before the fault', {
    timeoutMs: 60_000,
  }).catch((error: Error) => {
    throw new Error(`${error.message}: ${describeOutcomes(load.outcomes())}`);
  });
  // The probe is signed in before the fault too: `during` checks may use its token.
  if (!(await probe.round()))
    throw new Error(
      `the probe fails before the fault: ${distinctErrors(probe.outcomes).join('; ')}`,
    );
  await sleep(STEADY_MS);

  const faultAt = Date.now();
  await plan.inject();
  const downUntil = Date.now() + plan.downMs;
  await plan.during?.(context);
  expect(await serviceProblems(stack, plan.downServices)).toEqual([]);
  await sleep(Math.max(0, downUntil - Date.now()));
  await plan.restore();
  const returnedAt = Date.now();
  note(`${plan.name}: back after ${returnedAt - faultAt} ms`);

  let recoveredMs: number;
  try {
    recoveredMs = await recoveryTime(
      returnedAt,
      async () => (await probe.round(true)) && (!plan.recovered || (await plan.recovered(context))),
      'a sign-in, Me and a write',
    );
  } catch (error) {
    note(
      `probe since the return: ${distinctErrors(probe.outcomes.filter((o) => o.at >= returnedAt)).join('; ')}`,
    );
    throw error;
  }
  const recoveredAt = returnedAt + recoveredMs;
  note(`${plan.name}: recovered ${recoveredMs} ms after the return`);
  if (process.env.FAULTS_DEBUG)
    for (const o of probe.outcomes.filter((o) => o.at >= returnedAt))
      note(
        `  probe +${o.at - returnedAt} ms ${o.op} ${o.ms} ms HTTP ${o.status} ${JSON.stringify(o.errors?.map((e) => [e.extensions?.code, e.path, e.message.slice(0, 80)]))}`,
      );
  await plan.after?.(context);
  // Full recovery, without restarting anything: every client signs in and writes again. (The
  // limit only keeps a broken stack from hanging the test.)
  await until(
    () => load.writesAcknowledgedSince(recoveredAt) && load.signInsAcknowledgedSince(recoveredAt),
    'every client has a sign-in and a write acknowledged after recovery',
    { timeoutMs: 30_000 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${distinctErrors(load.outcomes(recoveredAt)).join('; ')}`);
  });
  await sleep(STEADY_MS);
  await load.stop();

  const all = [...load.outcomes(), ...probe.outcomes];
  note(`before: ${describeOutcomes(load.outcomes(started, faultAt))}`);
  note(`during: ${describeOutcomes(load.outcomes(faultAt, returnedAt))}`);
  note(`after:  ${describeOutcomes(load.outcomes(returnedAt))}`);
  for (const line of distinctErrors(all)) note(`  error: ${line}`);
  // The fault was felt: some requests failed while the dependency was away.
  expect(load.outcomes(faultAt, returnedAt).some((outcome) => !succeeded(outcome))).toBe(true);
  // Every answer, before, during and after, was a coded GraphQL response, in time.
  expect(all.map(answerProblem).filter(Boolean)).toEqual([]);
  expect(await serviceProblems(stack)).toEqual([]);
  const writes = await checkWrites(stack, [...load.clients, probe], baseline);
  expect(writes.lost).toEqual([]);
  note(`${plan.name}: ${writes.acknowledged} acknowledged writes, all in the database`);
  return {
    name: plan.name,
    recoveredMs,
    acknowledged: writes.acknowledged,
    lost: writes.lost.length,
  };
}

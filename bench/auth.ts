/**
 * `npm run bench:auth`: the auth subgraph over HTTP against the real Postgres and Redis on this
 * machine. Login latency (p50/p95/p99) and throughput at concurrency 8, refresh-token rotation
 * throughput and latency at concurrency 8, and the ratio of the two medians, measured in one run.
 * Options (environment): BENCH_LOGINS (default 400), BENCH_REFRESHES (default 2000).
 * Any failed request is counted, printed, and makes the exit code 1.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import {
  closeSubgraphDeps,
  createSubgraphDeps,
  startSubgraph,
  qualified,
  type RunningService,
  type SubgraphDeps,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  migrateControlPlane,
  postGraphQL,
  signInSettings,
  startSmtpCapture,
  testConfig,
  uniqueName,
  type GraphQLTestResponse,
  type SmtpCapture,
  type TestDatabase,
} from '@tradesage/shared/testing';
import { definition } from '../subgraphs/auth/src/server';
import { createServices as createTenantServices } from '../subgraphs/tenant/src/data';
import {
  envCount,
  formatMs,
  runBenchmark,
  runConcurrently,
  summarize,
  type Summary,
} from './lib/stats';

const CONCURRENCY = 8;
const WARMUP_LOGINS_PER_WORKER = 2;
const WARMUP_REFRESHES_PER_WORKER = 25;
const PASSWORD = 'bench password 2026';

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresAt user { id } session { id } }
}`;
const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { user { id email } }
}`;
const REFRESH = `mutation RefreshSession($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) { accessToken refreshToken expiresAt }
}`;

/** Failed requests by reason (GraphQL error code or HTTP status), with one example message. */
class Failures {
  readonly byReason = new Map<string, { count: number; example: string }>();
  total = 0;

  record(reason: string, message: string): void {
    this.total++;
    const entry = this.byReason.get(reason) ?? { count: 0, example: message };
    entry.count++;
    this.byReason.set(reason, entry);
  }

  print(label: string): void {
    console.log(`  ${label} failures: ${this.total}`);
    for (const [reason, { count, example }] of this.byReason)
      console.log(`    ${count} x ${reason}: ${example}`);
  }
}

/** The problem with a response, or undefined when it succeeded with the field present. */
function problemOf(
  response: GraphQLTestResponse,
  field: 'login' | 'refreshSession' | 'register',
): { reason: string; message: string } | undefined {
  const error = response.body.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    return { reason: typeof code === 'string' ? code : 'GRAPHQL_ERROR', message: error.message };
  }
  if (response.status !== 200)
    return { reason: `HTTP_${response.status}`, message: JSON.stringify(response.body) };
  if (!response.body.data?.[field])
    return { reason: 'NO_DATA', message: JSON.stringify(response.body) };
  return undefined;
}

interface BenchUser {
  email: string;
  /** X-Forwarded-For of the worker that signs in as this user. */
  ip: string;
}

function row(label: string, s: Summary): string {
  return `${label} p50 ${formatMs(s.p50)}  p95 ${formatMs(s.p95)}  p99 ${formatMs(s.p99)}  mean ${formatMs(s.mean)}`;
}

/** Deletes every Redis key under the prefix (sessions, throttles, streams, events). */
async function deleteRedisKeys(deps: SubgraphDeps, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [nextCursor, keys] = await deps.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = nextCursor;
    if (keys.length > 0) deleted += await deps.redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Rounds of the failed-login comparison (one login per cause per round). */
const FAILED_LOGIN_ROUNDS = Number(process.env.BENCH_FAILED_LOGIN_ROUNDS ?? 30);

async function main(): Promise<void> {
  const loginCount = envCount('BENCH_LOGINS', 400);
  const refreshCount = envCount('BENCH_REFRESHES', 2000);

  let db: TestDatabase | undefined;
  let admin: pg.Pool | undefined;
  let smtp: SmtpCapture | undefined;
  let tenantDeps: SubgraphDeps | undefined;
  let auth: RunningService | undefined;
  const cleanup: { step: string; error: unknown }[] = [];
  const attempt = async (step: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      cleanup.push({ step, error });
    }
  };

  try {
    db = await createTestDatabase('ts_bench_auth');
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
    smtp = await startSmtpCapture();
    const signer = await createTestSigner(testConfig());
    const config = testConfig({
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: `${uniqueName('bench_auth')}:`,
      LOG_LEVEL: 'silent',
      ...signInSettings({ signer, smtp }),
      AUTH_PORT: '0',
      // Never rate limited: every request of the run is well under these.
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
      AUTH_REQUESTS_PER_IP_PER_HOUR: '100000',
    });
    await migrateControlPlane(admin, config);

    // One tenant: the provisioned owner, and the rest registered through the API.
    tenantDeps = createSubgraphDeps(config, pino({ level: 'silent' }), 'bench-auth-tenants');
    const tenants = createTenantServices(tenantDeps);
    const slug = 'bench-auth';
    const users: BenchUser[] = Array.from({ length: CONCURRENCY }, (_, i) => ({
      email: i === 0 ? 'owner@bench-auth.test' : `user${i}@bench-auth.test`,
      ip: `198.51.100.${10 + i}`,
    }));
    const { tenant } = await tenants.provisioner.create({
      slug,
      name: 'Bench Auth',
      plan: 'PRO',
      owner: { email: users[0].email, name: 'Bench Owner', password: PASSWORD },
    });
    // Before the service starts, so its directory cache sees it from the first lookup.
    await admin.query(
      `UPDATE ${qualified(config.CONTROL_SCHEMA, 'tenants')} SET self_registration = true WHERE id = $1`,
      [tenant.id],
    );

    auth = await startSubgraph(definition, { config });
    const url = auth.url;
    const call = (query: string, variables: Record<string, unknown>, ip: string) =>
      postGraphQL(url, query, variables, {
        'x-forwarded-for': ip,
        'user-agent': 'tradesage-bench-auth',
      });

    for (const [i, user] of users.entries()) {
      if (i === 0) continue;
      const response = await call(
        REGISTER,
        { input: { tenantSlug: slug, email: user.email, password: PASSWORD, name: `User ${i}` } },
        `192.0.2.${10 + i}`,
      );
      const problem = problemOf(response, 'register');
      if (problem) throw new Error(`register ${user.email}: ${problem.reason} ${problem.message}`);
    }

    const login = (worker: number) =>
      call(
        LOGIN,
        {
          input: {
            tenantSlug: slug,
            email: users[worker].email,
            password: PASSWORD,
            deviceName: `bench worker ${worker}`,
          },
        },
        users[worker].ip,
      );
    /** A login that must work (setup, not measured). */
    const openSession = async (worker: number): Promise<string> => {
      const response = await login(worker);
      const problem = problemOf(response, 'login');
      if (problem)
        throw new Error(`login as ${users[worker].email}: ${problem.reason} ${problem.message}`);
      return response.body.data.login.refreshToken as string;
    };

    // Logins. Warm-up: a couple per worker (argon2, Prisma clients, directory, JIT).
    await Promise.all(
      users.map(async (_, worker) => {
        for (let i = 0; i < WARMUP_LOGINS_PER_WORKER; i++) await openSession(worker);
      }),
    );
    const loginMs: number[] = [];
    const loginFailures = new Failures();
    const loginWall = await runConcurrently(loginCount, CONCURRENCY, async (_job, worker) => {
      const started = performance.now();
      const response = await login(worker);
      const elapsed = performance.now() - started;
      const problem = problemOf(response, 'login');
      if (problem) loginFailures.record(problem.reason, problem.message);
      else loginMs.push(elapsed);
    });

    // Refreshes. Each worker rotates its own session's token, always using the newest one.
    const tokens = await Promise.all(users.map((_, worker) => openSession(worker)));
    const refreshFailures = new Failures();
    const refresh = async (worker: number, samples: number[] | null) => {
      const started = performance.now();
      const response = await call(REFRESH, { refreshToken: tokens[worker] }, users[worker].ip);
      const elapsed = performance.now() - started;
      const problem = problemOf(response, 'refreshSession');
      if (!problem) {
        tokens[worker] = response.body.data.refreshSession.refreshToken as string;
        samples?.push(elapsed);
        return;
      }
      if (!samples) throw new Error(`refresh warm-up: ${problem.reason} ${problem.message}`);
      refreshFailures.record(problem.reason, problem.message);
      // The chain may be broken; carry on with a new session (not measured).
      tokens[worker] = await openSession(worker);
    };
    await Promise.all(
      users.map(async (_, worker) => {
        for (let i = 0; i < WARMUP_REFRESHES_PER_WORKER; i++) await refresh(worker, null);
      }),
    );
    const refreshMs: number[] = [];
    const refreshWall = await runConcurrently(refreshCount, CONCURRENCY, (_job, worker) =>
      refresh(worker, refreshMs),
    );

    // Failed logins by cause, one at a time and interleaved, so that queueing and drift affect
    // each cause alike: the answer must not tell them apart, and neither should the time.
    const causes = {
      'wrong tenant': { tenantSlug: 'no-such-tenant', email: users[0].email, password: PASSWORD },
      'unknown e-mail': { tenantSlug: slug, email: 'nobody@bench-auth.test', password: PASSWORD },
      'wrong password': { tenantSlug: slug, email: users[0].email, password: 'not the password' },
    };
    const failedMs = new Map<string, number[]>(Object.keys(causes).map((cause) => [cause, []]));
    for (let round = 0; round < FAILED_LOGIN_ROUNDS; round++) {
      for (const [cause, input] of Object.entries(causes)) {
        const started = performance.now();
        const response = await call(LOGIN, { input }, '203.0.113.200');
        const elapsed = performance.now() - started;
        if (response.body.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED')
          throw new Error(`failed login (${cause}) did not answer UNAUTHENTICATED`);
        failedMs.get(cause)!.push(elapsed);
      }
    }

    const logins = summarize(loginMs);
    const refreshes = summarize(refreshMs);
    console.log(
      `auth subgraph over HTTP (${url}), concurrency ${CONCURRENCY}, ${CONCURRENCY} users of one tenant, ` +
        'real Postgres and Redis',
    );
    console.log(
      `login: ${loginCount} requests in ${(loginWall / 1000).toFixed(2)} s, ` +
        `${((logins.n / loginWall) * 1000).toFixed(1)} logins/s (${logins.n} succeeded)`,
    );
    console.log(row('  latency', logins));
    console.log(
      '  (login is dominated by argon2id verification, 64 MiB and 3 passes, by design: ' +
        'it is what makes password guessing expensive)',
    );
    loginFailures.print('login');
    console.log(
      `refreshSession: ${refreshCount} rotations in ${(refreshWall / 1000).toFixed(2)} s, ` +
        `${((refreshes.n / refreshWall) * 1000).toFixed(1)} refreshes/s (${refreshes.n} succeeded)`,
    );
    console.log(row('  latency', refreshes));
    refreshFailures.print('refresh');
    console.log(
      `ratio refresh p50 / login p50: ${(refreshes.p50 / logins.p50).toFixed(4)} ` +
        `(${formatMs(refreshes.p50)} / ${formatMs(logins.p50)}; ` +
        `login p50 is ${(logins.p50 / refreshes.p50).toFixed(1)}x refresh p50)`,
    );
    console.log(`failed logins by cause, ${FAILED_LOGIN_ROUNDS} each, one at a time, interleaved:`);
    const failedSummaries = [...failedMs].map(
      ([cause, samples]) => [cause, summarize(samples)] as const,
    );
    for (const [cause, summary] of failedSummaries) console.log(row(`  ${cause}`, summary));
    const p50s = failedSummaries.map(([, summary]) => summary.p50);
    console.log(
      `  slowest p50 / fastest p50: ${(Math.max(...p50s) / Math.min(...p50s)).toFixed(3)} ` +
        '(argon2id runs against a dummy hash when there is no account)',
    );
    const failed = loginFailures.total + refreshFailures.total;
    if (failed > 0) throw new Error(`${failed} request(s) failed; the numbers above are not valid`);
  } finally {
    const [service, deps, mail, pool, database] = [auth, tenantDeps, smtp, admin, db];
    if (service) await attempt('stop auth subgraph', () => service.stop());
    if (deps) {
      await attempt('delete Redis keys', () => deleteRedisKeys(deps, deps.config.REDIS_KEY_PREFIX));
      await attempt('close tenant deps', () => closeSubgraphDeps(deps));
    }
    if (mail) await attempt('close SMTP capture', () => mail.close());
    if (pool) await attempt('close admin pool', () => pool.end());
    if (database) await attempt('drop database', () => database.drop());
    for (const { step, error } of cleanup) console.error(`cleanup: ${step} failed:`, error);
  }
  if (cleanup.length > 0) throw new Error('cleanup failed');
}

runBenchmark(async () => {
  await main();
  // Everything is closed above; exit even if a library keeps an idle handle open.
  process.exit(0);
});

/**
 * `npm run bench:load`: the whole stack as `npm start` runs it (four subgraphs and the router,
 * NODE_ENV=production, real Postgres and Redis), loaded through the router the way the React app
 * uses it, in one run:
 *
 * 1. `Me` (the React app's operation: user, tenant and session subgraphs) authenticated, wrk at
 *    BENCH_CONNECTIONS connections, the tokens of several users round-robin: req/s, p50/p90/p99.
 * 2. A mixed workload, 80 % reads (Me, MySessions, MyActivity, Users) and 20 % writes
 *    (UpdatePreferences, UpdateProfile): req/s, p50/p99, non-2xx answers and answers with GraphQL
 *    errors (counted by wrk's Lua `response` hook), writes sent and acknowledged.
 * 3. Subscription fan-out: BENCH_SUBSCRIBERS graphql-ws subscribers to SessionEvents (session
 *    subgraph fields only) on the one router process, held by child processes speaking the
 *    protocol over `ws` (bench/load/subscribers.ts); session events triggered by Logout
 *    mutations through the router, 1 s apart; the latency from just before each Logout is sent to
 *    each subscriber's receipt, deliveries against subscribers × events, the router's VmRSS and
 *    VmHWM from /proc.
 *
 * The tenant is made through the router (OperatorLogin → CreateTenant → UpdateTenantLimits, then
 * InviteUser → acceptInvitation → Login per user) with limits no run reaches, so the rate limiter
 * never refuses the bench; the stack gets SUBSCRIPTIONS_PER_TENANT and
 * ANONYMOUS_REQUESTS_PER_MINUTE raised the same way, and access tokens that outlast the run.
 *
 * Options (environment): BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (5), BENCH_CONNECTIONS (64),
 * BENCH_WRK_THREADS (1), BENCH_SUBSCRIBERS (10000; a comma-separated list runs one round per
 * count, e.g. 2000,10000), BENCH_SUBSCRIBER_PROCESSES (4), BENCH_SUBSCRIBER_TOKENS (12),
 * BENCH_CONNECT_CONCURRENCY (64 handshakes in flight per process), BENCH_EVENTS (20),
 * BENCH_EVENT_INTERVAL_MS (1000), BENCH_PHASES (me,mixed,fanout), BENCH_CPU_PROFILE_DIR (every
 * node process of the stack writes there a V8 CPU profile of each measured wrk run and of each
 * fan-out round's events, bench/load/cpu-profile.mjs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { operation, graphql, startStack, type Stack } from '../e2e/support/stack';
import { envCount, runBenchmark } from './lib/stats';
import { runFanout, SUBSCRIPTION, type FanoutResult } from './load/fanout';
import { followStackLog, type StackLog } from './load/logs';
import { cpuDuring, findServicePid, mib } from './load/procfs';
import { createBenchTenant, LIMITS, signInAgain, type BenchUser, type Role } from './load/tenant';
import { runWrk, workloadScript, type WorkloadOp, type WrkResult } from './load/wrk';

const SECONDS = envCount('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envCount('BENCH_WARMUP_SECONDS', 5);
const CONNECTIONS = envCount('BENCH_CONNECTIONS', 64);
const WRK_THREADS = envCount('BENCH_WRK_THREADS', 1);
const SUBSCRIBER_PROCESSES = envCount('BENCH_SUBSCRIBER_PROCESSES', 4);
const SUBSCRIBER_TOKENS = envCount('BENCH_SUBSCRIBER_TOKENS', 12);
const CONNECT_CONCURRENCY = envCount('BENCH_CONNECT_CONCURRENCY', 64);
const EVENTS = envCount('BENCH_EVENTS', 20);
const EVENT_INTERVAL_MS = envCount('BENCH_EVENT_INTERVAL_MS', 1000);
const PROBES = 5;
const SUBSCRIBER_ROUNDS = (process.env.BENCH_SUBSCRIBERS?.trim() || '10000').split(',').map((n) => {
  const value = Number(n.trim());
  if (!Number.isInteger(value) || value <= 0)
    throw new Error('BENCH_SUBSCRIBERS must be positive integers, comma-separated');
  return value;
});
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const PHASES = new Set(
  (process.env.BENCH_PHASES?.trim() || 'me,mixed,fanout').split(',').map((p) => p.trim()),
);

/** The targets this bench is held to. */
const TARGET = {
  meP99Ms: 50,
  subscribers: 10_000,
  fanoutP99Ms: 250,
  routerRssBytes: 1.5e9,
};

/** The stack's settings besides the e2e stack's own: production, and limits out of the way. */
const STACK_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  // Per replica; the router and the session subgraph each hold every subscription.
  SUBSCRIPTIONS_PER_TENANT: '1000000',
  // Sign-ins and invitation acceptances are anonymous requests, counted per client IP.
  ANONYMOUS_REQUESTS_PER_MINUTE: '1000000',
  // Tokens signed at the start stay valid for the whole run (a socket closes at its token's expiry).
  JWT_ACCESS_TTL_SECONDS: '7200',
};

/** The tenant's users besides its owner: ADMINs and TRADERs send HTTP load, OWNERs subscribe. */
const ROLES: Role[] = [
  'ADMIN',
  'ADMIN',
  'TRADER',
  'TRADER',
  'TRADER',
  'TRADER',
  'OWNER',
  'OWNER',
  'OWNER',
  'TRADER',
];

const body = (name: string, variables?: Record<string, unknown>) =>
  JSON.stringify({ query: operation(name), operationName: name, variables });

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const log = (line = '') => console.log(line);
/**
 * How busy the shared machine is: the 1-minute load average, and the share of the last 10 s in
 * which some runnable task waited for a CPU (Linux PSI, /proc/pressure/cpu).
 */
const load = () => {
  let pressure = '';
  try {
    const some = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    if (some) pressure = `, CPU pressure ${some[1]} %`;
  } catch {
    // No PSI on this kernel.
  }
  return `load average ${loadavg()[0].toFixed(1)}${pressure}`;
};

/** Sends each op's body once with its first token: the workload must work before it is timed. */
async function checkOnce(stack: Stack, tokens: string[], ops: WorkloadOp[]) {
  for (const op of ops) {
    const token = tokens[(op.tokens ?? [0])[0]];
    const parsed = JSON.parse(op.body.replace('%VALUE%', 'check')) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const result = await graphql(stack.routerUrl, parsed.query, token, parsed.variables);
    if (result.status !== 200 || result.body.errors)
      throw new Error(`${op.name}: HTTP ${result.status} ${JSON.stringify(result.body.errors)}`);
  }
}

function wrkRow(label: string, r: WrkResult): string {
  const socket = r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write;
  return (
    `${label.padEnd(26)} ${fmt(r.requestsPerSecond, 0).padStart(7)} ${fmt(r.p50Ms, 2).padStart(8)} ` +
    `${fmt(r.p90Ms, 2).padStart(8)} ${fmt(r.p99Ms, 2).padStart(8)} ${int(r.requests).padStart(9)} ` +
    `${int(r.non2xx).padStart(8)} ${int(r.graphqlErrors).padStart(7)} ` +
    `${`${socket}/${r.socketErrors.timeout}`.padStart(9)}`
  );
}

function fanoutRows(results: FanoutResult[]): string[] {
  const header =
    'subscribers  acked    live   connect s  deliveries / expected  missing  p50 ms  p90 ms  p99 ms   max ms  router RSS  VmHWM     fds';
  return [
    header,
    ...results.map((r) => {
      const l = r.latency;
      const m = r.routerConnected;
      return (
        `${int(r.requested).padStart(11)} ${int(r.status.acked).padStart(6)} ${int(r.live).padStart(7)} ` +
        `${fmt(r.connectSeconds).padStart(11)} ${`${int(r.delivered)} / ${int(r.expected)}`.padStart(22)} ` +
        `${int(r.missing).padStart(8)} ${fmt(l?.p50 ?? NaN).padStart(7)} ${fmt(l?.p90 ?? NaN).padStart(7)} ` +
        `${fmt(l?.p99 ?? NaN).padStart(7)} ${fmt(l?.max ?? NaN).padStart(8)} ` +
        `${(m ? mib(m.rss) : 'n/a').padStart(11)} ${(r.routerAfter ? mib(r.routerAfter.hwm) : 'n/a').padStart(9)} ` +
        `${(m ? int(m.fds) : 'n/a').padStart(7)}`
      );
    }),
  ];
}

function printFanoutDetails(r: FanoutResult) {
  const s = r.status;
  log(`  ${int(r.requested)} subscribers:`);
  log(
    `    sockets: ${int(s.attempted)} opened, ${int(s.acked)} acknowledged, ${int(s.failed)} refused ` +
      `before connection_ack, ${int(s.openNow)} still open at the end; ${int(s.completes)} ` +
      `subscriptions completed by the server; ${int(s.active)} subscriptions live at the end; ` +
      `router ${r.routerAlive ? 'alive' : 'GONE'}`,
  );
  log(
    `    liveness: ${int(r.live)} subscribers received a probe event (${r.probesSent} probe(s) sent)`,
  );
  if (r.trigger)
    log(
      `    Logout round trip (send → answer): p50 ${fmt(r.trigger.p50)} ms, max ${fmt(r.trigger.max)} ms; ` +
        `slowest delivery per event (ms): ${r.perEventMax.map((x) => fmt(x, 0)).join(' ')}`,
    );
  log(
    `    CPU from the first Logout to the last delivery (${fmt(r.eventSeconds)} s), in cores: ` +
      Object.entries(r.cores)
        .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
        .join(', '),
  );
  if (r.extra) log(`    ${int(r.extra)} deliveries beyond one per subscriber and event`);
  for (const [name, value] of Object.entries(r.metrics))
    if (!name.includes('lag')) log(`    ${name} (all connected): ${int(value)}`);
  log(
    `    longest event-loop stall from the first Logout to the last delivery: router ` +
      `${fmt(r.lagDuringEvents.router, 2)} s, session subgraph ${fmt(r.lagDuringEvents.session, 2)} s`,
  );
  if (r.routerConnected && r.routerAfter)
    log(
      `    router: VmRSS ${mib(r.routerConnected.rss)} with all connected, ${mib(r.routerAfter.rss)} ` +
        `after the events, VmHWM ${mib(r.routerAfter.hwm)}; ${int(r.routerConnected.fds)} fds ` +
        `(limit ${int(r.routerConnected.fdLimit)})`,
    );
  if (r.sessionConnected)
    log(
      `    session subgraph: VmRSS ${mib(r.sessionConnected.rss)}, ${int(r.sessionConnected.fds)} fds`,
    );
  const closes = Object.entries(s.closeCodes).sort((a, b) => b[1] - a[1]);
  if (closes.length)
    log(`    close codes: ${closes.map(([code, n]) => `${code} ×${int(n)}`).join('; ')}`);
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  for (const [error, n] of errors.slice(0, 8)) log(`    error ×${int(n)}: ${error.slice(0, 200)}`);
}

/** The stack's warnings, errors and non-JSON lines, counted by kind, with the first of each. */
function printNotable(stackLog: StackLog) {
  const kinds = stackLog.notable();
  if (!kinds.length) return;
  log(
    `\nstack warnings and errors (of ${int(stackLog.lines())} lines), by kind, in order of appearance:`,
  );
  for (const kind of kinds.slice(0, 40)) {
    log(`  ×${int(kind.count)} ${kind.kind}`);
    if (kind.first.length > kind.kind.length + 20) log(`      first: ${kind.first.slice(0, 500)}`);
  }
}

async function main() {
  if (spawnSync('wrk', ['-v']).error)
    throw new Error('wrk is not installed: apt-get install -y wrk');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-load-'));
  const options = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  const commands = [`${options}npm run bench:load`];
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `Node ${process.version}; the stack, wrk and the subscriber processes share it`,
  );
  log(
    `starting the stack: ${Object.entries(STACK_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  log(`before the start: ${load()}`);
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const env = PROFILE_DIR
    ? {
        ...STACK_ENV,
        BENCH_CPU_PROFILE_DIR: path.resolve(PROFILE_DIR),
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(__dirname, 'load/cpu-profile.mjs')}`,
      }
    : STACK_ENV;
  const stack = await startStack('bench_load', { env });
  commands.push(
    `${Object.entries(STACK_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} ${process.execPath} --import tsx scripts/start.ts  (e2e/support/stack.ts)`,
  );
  let stackLog: StackLog | undefined;
  try {
    stackLog = followStackLog(stack);
    const group = stack.process.pid!;
    const routerPid = findServicePid(group, 'router/src/server.ts');
    if (!routerPid) throw new Error('no router process found in the stack');
    const servicePids: Record<string, number> = { router: routerPid };
    for (const name of ['auth', 'tenant', 'user', 'session']) {
      const pid = findServicePid(group, `subgraphs/${name}/src/server.ts`);
      if (pid) servicePids[name] = pid;
    }
    const sessionPid = servicePids.session as number | undefined;
    log(
      `service pids (found in /proc, in the stack's process group): ${Object.entries(servicePids)
        .map(([name, pid]) => `${name} ${pid}`)
        .join(', ')}`,
    );
    /** With BENCH_CPU_PROFILE_DIR, every service profiles from one call to the next. */
    const profileWindow = () => {
      if (PROFILE_DIR) for (const pid of Object.values(servicePids)) process.kill(pid, 'SIGUSR2');
    };
    /** wrk's measured run, with the CPU each service used meanwhile. */
    const measure = async (options: Parameters<typeof runWrk>[0]) => {
      profileWindow();
      const { value, cpu } = await cpuDuring(servicePids, () => runWrk(options));
      profileWindow();
      const cores = Object.entries(cpu)
        .map(([name, seconds]) => `${name} ${(seconds / options.seconds).toFixed(2)}`)
        .join(', ');
      return { ...value, cores };
    };

    let started = performance.now();
    const tenant = await createBenchTenant(stack, ROLES, 3);
    log(
      `tenant ${tenant.id}: ENTERPRISE, limits raised by UpdateTenantLimits to ` +
        `${JSON.stringify(tenant.limits)}; ${tenant.users.length + 1} users invited and signed in ` +
        `through the router in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    log(
      `rate limits: the tenant's requestsPerMinute ${int(LIMITS.requestsPerMinute)}, ` +
        `ANONYMOUS_REQUESTS_PER_MINUTE ${STACK_ENV.ANONYMOUS_REQUESTS_PER_MINUTE}, ` +
        `SUBSCRIPTIONS_PER_TENANT ${STACK_ENV.SUBSCRIPTIONS_PER_TENANT}: none is reached by the bench`,
    );
    const byRole = (role: Role) => tenant.users.filter((user) => user.role === role);
    const traders = byRole('TRADER');
    const trigger = traders.pop()!;
    const httpUsers: BenchUser[] = [tenant.owner, ...byRole('ADMIN'), ...traders];
    const tokens = httpUsers.map((user) => user.signedIn.token);
    const admins = httpUsers.flatMap((user, i) => (user.role === 'TRADER' ? [] : [i]));
    const wrkOptions = {
      url: stack.routerUrl,
      connections: CONNECTIONS,
      threads: WRK_THREADS,
      timeoutSeconds: 10,
    };
    let me: (WrkResult & { cores: string }) | undefined;
    let mixed: (WrkResult & { cores: string }) | undefined;

    if (PHASES.has('me')) {
      const ops: WorkloadOp[] = [{ name: 'Me', weight: 1, body: body('Me') }];
      await checkOnce(stack, tokens, ops);
      const script = workloadScript(dir, 'me', tokens, ops);
      log(
        `\n1. Me, ${tokens.length} users' tokens round-robin, ${CONNECTIONS} connections: ` +
          `${WARMUP_SECONDS} s warm-up, then ${SECONDS} s (${load()})`,
      );
      await runWrk({ ...wrkOptions, script, seconds: WARMUP_SECONDS });
      me = await measure({ ...wrkOptions, script, seconds: SECONDS });
      commands.push(me.command);
    }

    if (PHASES.has('mixed')) {
      const ops: WorkloadOp[] = [
        { name: 'Me', weight: 30, body: body('Me') },
        { name: 'MySessions', weight: 15, body: body('MySessions') },
        { name: 'MyActivity', weight: 15, body: body('MyActivity', { first: 20 }) },
        { name: 'Users', weight: 20, body: body('Users', { first: 20 }), tokens: admins },
        {
          name: 'UpdatePreferences',
          weight: 10,
          body: body('UpdatePreferences', {
            input: { theme: 'dark', notifications: { push: true } },
          }),
          ackField: 'updatePreferences',
        },
        {
          name: 'UpdateProfile',
          weight: 10,
          body: body('UpdateProfile', { input: { name: 'Load %VALUE%' } }),
          ackField: 'updateProfile',
        },
      ];
      await checkOnce(stack, tokens, ops);
      const script = workloadScript(dir, 'mixed', tokens, ops);
      log(
        `\n2. mixed: ${ops.map((op) => `${op.name} ${op.weight} %`).join(', ')} ` +
          `(Users by the OWNER and ADMINs only), ${CONNECTIONS} connections: ` +
          `${WARMUP_SECONDS} s warm-up, then ${SECONDS} s (${load()})`,
      );
      await runWrk({ ...wrkOptions, script, seconds: WARMUP_SECONDS });
      mixed = await measure({ ...wrkOptions, script, seconds: SECONDS });
      commands.push(mixed.command);
    }

    const fanouts: FanoutResult[] = [];
    if (PHASES.has('fanout')) {
      const owners = [tenant.owner, ...byRole('OWNER')];
      log(
        `\n3. fan-out: subscribers ${SUBSCRIBER_ROUNDS.join(', ')} (one round each) in ` +
          `${SUBSCRIBER_PROCESSES} processes; ${EVENTS} Logout events ${EVENT_INTERVAL_MS} ms apart`,
      );
      log(`   subscription: ${SUBSCRIPTION.replace(/\s+/g, ' ').trim()}`);
      for (const subscribers of SUBSCRIBER_ROUNDS) {
        started = performance.now();
        const perOwner = Math.ceil(SUBSCRIBER_TOKENS / owners.length);
        const ownerSessions = (
          await Promise.all(owners.map((owner) => signInAgain(stack, owner, perOwner, 1)))
        ).flat();
        const triggerSessions = await signInAgain(stack, trigger, EVENTS + PROBES, 2);
        log(
          `  round of ${int(subscribers)}: ${ownerSessions.length} OWNER sessions (${owners.length} ` +
            `OWNERs × ${perOwner} Logins), shared round-robin by the subscribers; ` +
            `${triggerSessions.length} sessions of a TRADER to end; ` +
            `${((performance.now() - started) / 1000).toFixed(1)} s (${load()})`,
        );
        const result = await runFanout(stack, {
          subscribers,
          processes: Math.min(SUBSCRIBER_PROCESSES, subscribers),
          connectConcurrency: CONNECT_CONCURRENCY,
          events: EVENTS,
          intervalMs: EVENT_INTERVAL_MS,
          drainMs: 15_000,
          subscriberTokens: ownerSessions.map((session) => session.token),
          triggerSessions,
          probes: PROBES,
          routerPid,
          sessionPid,
          log,
          load,
          profileWindow,
        });
        fanouts.push(result);
        if (commands.every((command) => !command.includes('subscribers.ts')))
          commands.push(...result.commands);
        // Let the router and the session subgraph let go of the round's subscriptions.
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        if (!result.routerAlive) {
          log('  the router process is gone: no further rounds');
          break;
        }
      }
    }

    // ---- results
    log('\n=== results ===');
    if (me || mixed) {
      log(
        'workload                     req/s   p50 ms   p90 ms   p99 ms  requests  non-2xx  GQL err  sock/tmo',
      );
      if (me) log(wrkRow(`Me (${CONNECTIONS} conn.)`, me));
      if (mixed) log(wrkRow(`mixed 80/20 (${CONNECTIONS} conn.)`, mixed));
      if (mixed)
        log(
          `mixed writes: ${int(mixed.writesSent)} sent, ${int(mixed.writesAcknowledged)} acknowledged ` +
            `(the rest in flight when wrk stopped, or failed)`,
        );
      for (const [name, r] of [
        ['Me', me],
        ['mixed', mixed],
      ] as const) {
        if (r) log(`CPU used during ${name} (cores of ${cpus().length}): ${r.cores}`);
        for (const sample of r?.samples ?? []) log(`  ${name} failure sample: ${sample}`);
      }
    }
    if (fanouts.length) {
      log('\nfan-out (latency: from just before the Logout is sent to the receipt, ms)');
      for (const row of fanoutRows(fanouts)) log(row);
      for (const r of fanouts) printFanoutDetails(r);
    }

    printNotable(stackLog);

    log('\n=== targets ===');
    const verdict = (pass: boolean | undefined) =>
      pass === undefined ? 'not run' : pass ? 'PASS' : 'FAIL';
    const rows: [string, string, boolean | undefined][] = [];
    rows.push([
      `Me p99 < ${TARGET.meP99Ms} ms at ${CONNECTIONS} connections`,
      me ? `${fmt(me.p99Ms, 2)} ms (${fmt(me.requestsPerSecond, 0)} req/s)` : '',
      me ? me.p99Ms < TARGET.meP99Ms && me.non2xx === 0 && me.graphqlErrors === 0 : undefined,
    ]);
    rows.push([
      'mixed: no non-2xx, no GraphQL errors',
      mixed ? `${mixed.non2xx} non-2xx, ${mixed.graphqlErrors} with errors` : '',
      mixed ? mixed.non2xx === 0 && mixed.graphqlErrors === 0 : undefined,
    ]);
    const largest = fanouts.reduce<FanoutResult | undefined>(
      (best, r) => (!best || r.requested > best.requested ? r : best),
      undefined,
    );
    const fullRound = largest && largest.requested >= TARGET.subscribers;
    rows.push([
      `${int(TARGET.subscribers)} subscribers held on one router`,
      largest
        ? `${int(largest.status.active)} live at the end of ${int(largest.requested)} requested`
        : '',
      largest ? Boolean(fullRound) && largest.status.active >= TARGET.subscribers : undefined,
    ]);
    rows.push([
      `fan-out p99 < ${TARGET.fanoutP99Ms} ms, no delivery missing`,
      largest
        ? `${fmt(largest.latency?.p99 ?? NaN)} ms, ${int(largest.missing)} missing (at ${int(largest.requested)})`
        : '',
      largest
        ? Boolean(fullRound) &&
          (largest.latency?.p99 ?? Infinity) < TARGET.fanoutP99Ms &&
          largest.missing === 0
        : undefined,
    ]);
    const hwm = largest?.routerAfter?.hwm;
    rows.push([
      `router RSS < 1.5 GB (${mib(TARGET.routerRssBytes)})`,
      largest ? `VmHWM ${hwm ? mib(hwm) : 'n/a'} (at ${int(largest.requested)})` : '',
      largest ? Boolean(fullRound) && hwm !== undefined && hwm < TARGET.routerRssBytes : undefined,
    ]);
    for (const [target, result, pass] of rows)
      log(`${target.padEnd(46)} ${result.padEnd(44)} ${verdict(pass)}`);
    if (largest && !fullRound)
      log(`(the fan-out targets are for ${int(TARGET.subscribers)} subscribers: FAIL below that)`);

    log('\n=== commands ===');
    for (const command of commands) log(command.replace(dir, '<tmp>'));
  } catch (error) {
    if (stackLog) printNotable(stackLog);
    throw error;
  } finally {
    // A profile is written after its window closes: give the services a moment to finish.
    if (PROFILE_DIR) await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(async () => {
  await main();
  // Sockets of the stack's helpers (SMTP capture, OIDC, s3rver) may linger: the run is over.
  process.exit(0);
});

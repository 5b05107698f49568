/**
 * `npm run bench:mtls`: what mutual TLS between the router and the subgraphs costs, on the
 * React app's `Me` query (router → user, tenant, session and auth subgraphs), in one run.
 *
 * Two stacks run side by side (the four subgraphs and the router, each its own process, as in
 * production: NODE_ENV=production, a log line per request), on the same database and tenant:
 * `plain`, over HTTP, and `mtls`, where every subgraph serves HTTPS and requires a client
 * certificate (TLS_CLIENT_AUTH=require) and the router presents one (SUBGRAPH_TLS_*). The
 * router itself serves plain HTTP in both, so the difference is the router → subgraph hop only.
 * The certificates come from a throwaway CA (openssl, P-256).
 *
 * The load is a closed loop in this process: BENCH_CONCURRENCY requests in flight over keep-alive
 * connections, each answer checked (HTTP 200, no `errors`). After a warm-up of each, the two
 * variants take turns in short slices (ABBA order), so that the shared machine's load drifting
 * during the run weighs on both alike. On this machine the stack started first ran slower
 * whichever it was, so each round starts both stacks afresh, and the other one first in the
 * next round; samples are pooled over the rounds. Prints p50/p99, req/s and the CPU per request
 * of the router and of the subgraphs (from /proc), per round and over all, and the mtls / plain
 * ratios. Sessions are touched at most hourly (SESSION_TOUCH_INTERVAL_SECONDS), as the default's
 * one write a minute would fall on one variant or the other.
 *
 * Options (environment): BENCH_CONCURRENCY (1: each request's own latency, no queueing behind
 * the others), BENCH_SECONDS (30 measured per variant and round), BENCH_SLICE_SECONDS (2),
 * BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import https from 'node:https';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Pool } from 'undici';
import {
  closeRedis,
  createRedis,
  qualified,
  SUBGRAPH_NAMES,
  type SubgraphName,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestPki,
  createTestSigner,
  createTestTenant,
  freePort,
  migrateControlPlane,
  signedSessionToken,
  testConfig,
  uniqueName,
  type TestPki,
  type TestSigner,
} from '@tradesage/shared/testing';
import { SERVICE_ENTRY_POINTS } from '../scripts/lib/bootstrap';
import { deleteKeys } from './lib/redis-keys';
import { envCount, runBenchmark, summarize } from './lib/stats';
import { cpuSeconds } from './load/procfs';
import { operation } from '../e2e/support/stack';

const CONCURRENCY = envCount('BENCH_CONCURRENCY', 1);
const SECONDS = envCount('BENCH_SECONDS', 30);
const SLICE_SECONDS = envCount('BENCH_SLICE_SECONDS', 2);
const WARMUP_SECONDS = envCount('BENCH_WARMUP_SECONDS', 5);
const ROUNDS = envCount('BENCH_ROUNDS', 2);
const REPO = path.resolve(__dirname, '..');

type Variant = 'plain' | 'mtls';
const VARIANTS: readonly Variant[] = ['plain', 'mtls'];
type ServiceName = SubgraphName | 'router';

interface Stack {
  variant: Variant;
  routerUrl: string;
  processes: Record<ServiceName, ChildProcess>;
  /** Where each service logs. */
  logs: Record<ServiceName, string>;
}

/** The last lines each service of a stack logged: why a run failed. */
function logTails(stack: Stack): string {
  return Object.entries(stack.logs)
    .map(([name, file]) => {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
      return `--- ${stack.variant} ${name}\n${lines.slice(-60).join('\n')}`;
    })
    .join('\n');
}

/**
 * Starts one service as `npm start` would (`node --import tsx <entry>`), its log into a file
 * (a line per request: read by nobody unless the service dies, when its last lines are shown).
 */
function startService(name: ServiceName, env: Record<string, string>, logFile: string) {
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE_ENTRY_POINTS[name]], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  child.once('exit', (code, signal) => {
    if ((child as ChildProcess & { stopping?: boolean }).stopping) return;
    const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    console.error(`${name} exited (${code ?? signal}):\n${tail}`);
  });
  return child;
}

/** Resolves once `url` answers 200, over TLS with the router's client certificate if given. */
async function ready(url: string, clientTls?: https.RequestOptions): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const status = clientTls
        ? await new Promise<number>((resolve, reject) =>
            https
              .get(url, { ...clientTls, agent: false }, (response) => {
                response.resume();
                resolve(response.statusCode!);
              })
              .on('error', reject),
          )
        : (await fetch(url)).status;
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become ready: ${last}`);
}

async function startStack(
  variant: Variant,
  common: Record<string, string>,
  pki: TestPki,
): Promise<Stack> {
  const ports = {} as Record<ServiceName, number>;
  for (const name of [...SUBGRAPH_NAMES, 'router'] as const) ports[name] = await freePort();
  const scheme = variant === 'mtls' ? 'https' : 'http';
  const env: Record<string, string> = { ...common, ROUTER_PORT: String(ports.router) };
  for (const name of SUBGRAPH_NAMES) {
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
    env[`${name.toUpperCase()}_SUBGRAPH_URL`] = `${scheme}://127.0.0.1:${ports[name]}/graphql`;
  }
  const subgraphTls: Record<string, string> =
    variant === 'mtls'
      ? {
          TLS_CERT_FILE: pki.server.cert,
          TLS_KEY_FILE: pki.server.key,
          TLS_CA_FILE: pki.ca,
          TLS_CLIENT_AUTH: 'require',
        }
      : {};
  const routerTls: Record<string, string> =
    variant === 'mtls'
      ? {
          SUBGRAPH_TLS_CA_FILE: pki.ca,
          SUBGRAPH_TLS_CERT_FILE: pki.client.cert,
          SUBGRAPH_TLS_KEY_FILE: pki.client.key,
        }
      : {};
  const processes = {} as Record<ServiceName, ChildProcess>;
  const logs = {} as Record<ServiceName, string>;
  for (const name of [...SUBGRAPH_NAMES, 'router'] as const)
    logs[name] = path.join(pki.dir, `${variant}-${name}.log`);
  for (const name of SUBGRAPH_NAMES)
    processes[name] = startService(name, { ...env, ...subgraphTls }, logs[name]);
  processes.router = startService('router', { ...env, ...routerTls }, logs.router);
  const clientTls =
    variant === 'mtls'
      ? {
          ca: fs.readFileSync(pki.ca),
          cert: fs.readFileSync(pki.client.cert),
          key: fs.readFileSync(pki.client.key),
        }
      : undefined;
  const stack = {
    variant,
    routerUrl: `http://127.0.0.1:${ports.router}/graphql`,
    processes,
    logs,
  };
  try {
    for (const name of SUBGRAPH_NAMES)
      await ready(`${scheme}://127.0.0.1:${ports[name]}/readyz`, clientTls);
    await ready(`http://127.0.0.1:${ports.router}/readyz`);
  } catch (error) {
    await stopStack(stack);
    throw error;
  }
  return stack;
}

async function stopStack(stack: Stack): Promise<void> {
  await Promise.all(
    Object.values(stack.processes).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      (child as ChildProcess & { stopping?: boolean }).stopping = true;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** The control plane, and a tenant with a rate limit no run reaches. */
async function benchTenant(common: Record<string, string>, url: string) {
  const config = testConfig(common);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await migrateControlPlane(pool, config);
    const tenant = await createTestTenant(pool, config);
    await pool.query(
      `UPDATE ${qualified(config.CONTROL_SCHEMA, 'tenants')} SET requests_per_minute = 100000000 WHERE id = $1`,
      [tenant.id],
    );
    return tenant;
  } finally {
    await pool.end();
  }
}

/** A session of the tenant's owner, opened as a sign-in would, and its access token. */
async function ownerToken(
  common: Record<string, string>,
  tenant: Awaited<ReturnType<typeof benchTenant>>,
  signer: TestSigner,
): Promise<string> {
  const config = testConfig(common);
  const redis = createRedis(config, pino({ level: 'silent' }));
  try {
    const claims = { sub: tenant.owner.id, tid: tenant.id, tslug: tenant.slug, roles: ['OWNER'] };
    return await signedSessionToken(redis, config.REDIS_KEY_PREFIX, signer, claims, {
      ttlSeconds: 7_200,
      expiresIn: '2h',
    });
  } finally {
    await closeRedis(redis);
  }
}

interface Measurement {
  latenciesMs: number[];
  seconds: number;
  cpu: { router: number; subgraphs: number };
}

/** The client side of the load on one stack: a keep-alive pool, adding to `total`. */
function loader(stack: Stack, body: string, token: string, total: Measurement) {
  const url = new URL(stack.routerUrl);
  const pool = new Pool(url.origin, { connections: CONCURRENCY });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const pids = Object.entries(stack.processes).map(([name, child]) => ({ name, pid: child.pid! }));
  return {
    close: () => pool.close(),
    /** CONCURRENCY closed loops of `Me` for `seconds`; every answer must be 200 without errors. */
    async run(seconds: number, measure: boolean): Promise<void> {
      const cpuBefore = pids.map(({ pid }) => cpuSeconds(pid));
      const started = performance.now();
      const deadline = started + seconds * 1000;
      const latenciesMs: number[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < deadline) {
            const sent = performance.now();
            const response = await pool.request({
              method: 'POST',
              path: url.pathname,
              headers,
              body,
            });
            const text = await response.body.text();
            latenciesMs.push(performance.now() - sent);
            if (response.statusCode !== 200 || text.includes('"errors"'))
              throw new Error(
                `${stack.variant}: HTTP ${response.statusCode} ${text.slice(0, 300)}`,
              );
          }
        }),
      );
      if (!measure) return;
      const used = pids.map(({ pid }, i) => cpuSeconds(pid) - cpuBefore[i]);
      const router = used[pids.findIndex(({ name }) => name === 'router')];
      for (const latency of latenciesMs) total.latenciesMs.push(latency);
      total.seconds += (performance.now() - started) / 1000;
      total.cpu.router += router;
      total.cpu.subgraphs += used.reduce((sum, value) => sum + value, 0) - router;
    },
  };
}

/** One request's answer must be a 200 without errors before any load. */
async function checkOnce(stack: Stack, body: string, token: string): Promise<void> {
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  }).catch((error: Error) => error);
  const text = response instanceof Error ? response.message : await response.text();
  if (response instanceof Error || response.status !== 200 || text.includes('"errors"'))
    throw new Error(`${stack.variant}: ${text.slice(0, 500)}\n${logTails(stack)}`);
}

function row(variant: Variant, m: Measurement) {
  const s = summarize(m.latenciesMs);
  return {
    variant,
    requests: s.n,
    perSecond: s.n / m.seconds,
    p50: s.p50,
    p99: s.p99,
    routerCpuMs: (m.cpu.router * 1000) / s.n,
    subgraphCpuMs: (m.cpu.subgraphs * 1000) / s.n,
  };
}

function printRows(rows: ReturnType<typeof row>[], indent = '') {
  console.log(
    `${indent}variant  requests   req/s   p50 ms   p99 ms   router CPU ms/req   subgraphs CPU ms/req`,
  );
  for (const r of rows)
    console.log(
      `${indent}${r.variant.padEnd(7)} ${String(r.requests).padStart(9)} ${r.perSecond.toFixed(0).padStart(7)} ` +
        `${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ` +
        `${r.routerCpuMs.toFixed(2).padStart(19)} ${r.subgraphCpuMs.toFixed(2).padStart(22)}`,
    );
  const plain = rows.find((r) => r.variant === 'plain')!;
  const mtls = rows.find((r) => r.variant === 'mtls')!;
  console.log(
    `${indent}mtls / plain: p50 ${(mtls.p50 / plain.p50).toFixed(2)}×, p99 ${(mtls.p99 / plain.p99).toFixed(2)}×, ` +
      `req/s ${(mtls.perSecond / plain.perSecond).toFixed(2)}×, router CPU per request ` +
      `${(mtls.routerCpuMs / plain.routerCpuMs).toFixed(2)}×, subgraphs CPU per request ` +
      `${(mtls.subgraphCpuMs / plain.subgraphCpuMs).toFixed(2)}×`,
  );
}

async function main() {
  const pki = createTestPki();
  const db = await createTestDatabase('ts_bench_mtls');
  const redisPrefix = `${uniqueName('bench_mtls')}:`;
  let stacks: Stack[] = [];
  let loaders: ReturnType<typeof loader>[] = [];
  try {
    const signer = await createTestSigner(testConfig());
    // Production wants a key for secrets at rest (the auth subgraph's); a throwaway one.
    const secretsDir = path.join(pki.dir, 'secrets');
    fs.mkdirSync(secretsDir);
    fs.writeFileSync(path.join(secretsDir, 'bench'), randomBytes(32).toString('base64'));
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      JWT_PRIVATE_KEYS: signer.privateKeys,
      SECRETS_KEYS_DIR: secretsDir,
      // The session's lastSeenAt is written at most hourly: one write in a run either way.
      SESSION_TOUCH_INTERVAL_SECONDS: '3600',
    };
    const tenant = await benchTenant(common, db.url);
    const body = JSON.stringify({ query: operation('Me'), operationName: 'Me' });
    const slices = Math.max(1, Math.round(SECONDS / SLICE_SECONDS));
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ` +
        `load average ${loadavg()[0].toFixed(1)}; Me through the router, ${CONCURRENCY} in ` +
        `flight; ${ROUNDS} round(s) of both stacks started afresh, in alternating order; per ` +
        `round and variant ${WARMUP_SECONDS} s warm-up, then ${slices} × ${SLICE_SECONDS} s ` +
        `slices alternating with the other's`,
    );
    const totals = new Map<Variant, Measurement>();
    for (const variant of VARIANTS)
      totals.set(variant, { latenciesMs: [], seconds: 0, cpu: { router: 0, subgraphs: 0 } });
    for (let round = 0; round < ROUNDS; round++) {
      // Whichever stack starts first is slower on this machine; each goes first as often.
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      // A Redis prefix per stack and round: periodic work one replica takes a lock for
      // (session sweeps, tenant health) runs in both, and nothing is left from a round before.
      const settings = (variant: Variant) => ({
        ...common,
        REDIS_KEY_PREFIX: `${redisPrefix}${round}:${variant}:`,
      });
      const roundTotals = new Map<Variant, Measurement>();
      for (const variant of order) {
        stacks.push(await startStack(variant, settings(variant), pki));
        roundTotals.set(variant, { latenciesMs: [], seconds: 0, cpu: { router: 0, subgraphs: 0 } });
      }
      for (const stack of stacks) {
        // Signed in once the stack is up, as a user would be.
        const token = await ownerToken(settings(stack.variant), tenant, signer);
        await checkOnce(stack, body, token);
        loaders.push(loader(stack, body, token, roundTotals.get(stack.variant)!));
      }
      for (const load of loaders) await load.run(WARMUP_SECONDS, false);
      for (let slice = 0; slice < slices; slice++) {
        // ABBA: neither variant always goes first.
        const turn = slice % 2 === 0 ? loaders : [...loaders].reverse();
        for (const load of turn) await load.run(SLICE_SECONDS, true);
      }
      await Promise.all(loaders.map((load) => load.close()));
      await Promise.all(stacks.map(stopStack));
      loaders = [];
      stacks = [];
      console.log(`round ${round + 1} (${order.join(' started first, then ')}):`);
      printRows(
        VARIANTS.map((variant) => row(variant, roundTotals.get(variant)!)),
        '  ',
      );
      for (const variant of VARIANTS) {
        const total = totals.get(variant)!;
        const measured = roundTotals.get(variant)!;
        for (const latency of measured.latenciesMs) total.latenciesMs.push(latency);
        total.seconds += measured.seconds;
        total.cpu.router += measured.cpu.router;
        total.cpu.subgraphs += measured.cpu.subgraphs;
      }
    }
    console.log('');
    console.log(`all rounds (load average now ${loadavg()[0].toFixed(1)}):`);
    printRows(VARIANTS.map((variant) => row(variant, totals.get(variant)!)));
  } finally {
    await Promise.all(loaders.map((load) => load.close()));
    await Promise.all(stacks.map(stopStack));
    await db.drop();
    const redis = createRedis(testConfig(), pino({ level: 'silent' }));
    await deleteKeys(redis, redisPrefix);
    await closeRedis(redis);
    pki.remove();
  }
}

runBenchmark(main);

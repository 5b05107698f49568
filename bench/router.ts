/**
 * `npm run bench:router`: three gateways on the same four subgraphs and the same deep federated
 * query, in one run, at a fixed concurrency:
 *
 * - router: this repository's router with every feature on (production mode; the JWT verified
 *   against the JWKS, the session checked in the session store, the tenant's status and its rate
 *   limit in Redis, graphql-armor's limits, APQ, metrics, request logs);
 * - stock: a plain ApolloServer with an ApolloGateway, nothing else;
 * - hive: @graphql-hive/gateway-runtime with its defaults.
 *
 * The query is The Guild's gateway benchmark shape: users → reviews → product → reviews → author
 * → reviews → product, and topProducts → reviews → author → reviews → product, across four
 * subgraphs (bench/router/subgraphs.ts). Every gateway's answer is checked against stock's first.
 *
 * Load comes from wrk (Debian package wrk), one connection per concurrent client. With two or
 * more cores, each gateway runs pinned to core 0 and the subgraphs and wrk to core 1, so the
 * gateway is what is measured. Prints requests/s, p50 and p99 per gateway and the ratios; with
 * several rounds, each gateway's best round (noise only slows a run down).
 *
 * Options (environment): BENCH_CONCURRENCY (default 32), BENCH_SECONDS (default 10),
 * BENCH_WARMUP_SECONDS (default 5), BENCH_ROUNDS (default 2), BENCH_CPU_PROFILE_DIR (each
 * gateway writes a V8 CPU profile of its whole run into <dir>/<gateway>/).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import {
  closeRedis,
  createRedis,
  qualified,
  SessionStore,
  sessionPolicyFromConfig,
  type Config,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  createTestTenant,
  freePort,
  migrateControlPlane,
  testConfig,
  uniqueName,
  type TestDatabase,
} from '@tradesage/shared/testing';
import { deleteKeys } from './lib/redis-keys';
import { envCount, runBenchmark } from './lib/stats';
import { composeSubgraphs } from '../scripts/compose-supergraph';
import { SUBGRAPHS } from './router/subgraphs';

const CONCURRENCY = envCount('BENCH_CONCURRENCY', 32);
const SECONDS = envCount('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envCount('BENCH_WARMUP_SECONDS', 5);
const ROUNDS = envCount('BENCH_ROUNDS', 2);
const REPO = path.resolve(__dirname, '..');

const QUERY = /* GraphQL */ `
  fragment User on User {
    id
    username
    name
  }
  fragment Review on Review {
    id
    body
  }
  fragment Product on Product {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
  }
  # The author of a review, with their reviews and those reviews' products.
  fragment Author on User {
    ...User
    reviews {
      ...Review
      product {
        ...Product
      }
    }
  }
  query TestQuery {
    users {
      ...User
      reviews {
        ...Review
        product {
          ...Product
          reviews {
            ...Review
            author {
              ...Author
            }
          }
        }
      }
    }
    topProducts {
      ...Product
      reviews {
        ...Review
        author {
          ...Author
        }
      }
    }
  }
`;

type GatewayName = 'router' | 'stock' | 'hive';
interface Gateway {
  name: GatewayName;
  url: string;
  process: ChildProcess;
}
interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

/** With two cores or more: the gateways get core 0, the subgraphs and wrk core 1. */
const pinned = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
function onCore(core: 0 | 1, command: string[]): string[] {
  return pinned ? ['taskset', '-c', String(core), ...command] : command;
}

/** Starts a process and resolves with it once it prints a line that `ready` accepts. */
function startProcess(
  command: string[],
  env: Record<string, string>,
  ready: (line: string) => boolean,
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(command[0], command.slice(1), {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (ready(line)) resolve({ child, line });
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code})`)));
  });
}

const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const tsx = (file: string, ...args: string[]) => ['node', '--import', 'tsx', file, ...args];

async function post(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: QUERY }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (response.status !== 200 || body.errors)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

/** Waits until a gateway answers the query (the router polls its supergraph, Hive loads lazily). */
async function answer(url: string, headers: Record<string, string>): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await post(url, headers);
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) throw new Error(`wrk printed an unknown duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** Runs wrk against a gateway; fails on any non-2xx answer or socket error. */
function wrk(url: string, script: string, seconds: number): Measurement {
  const command = onCore(1, [
    'wrk',
    '-t1',
    `-c${CONCURRENCY}`,
    `-d${seconds}s`,
    '--timeout',
    '60s',
    '--latency',
    '-s',
    script,
    url,
  ]);
  const run = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  const out = run.stdout;
  const failures = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (failures) throw new Error(`${url}: ${failures[1]} answers were not 2xx\n${out}`);
  const socketErrors = /Socket errors: (.*)/.exec(out);
  if (socketErrors) throw new Error(`${url}: socket errors: ${socketErrors[1]}\n${out}`);
  const latency = (p: string) => durationMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)![1]);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    requests: Number(/(\d+) requests in/.exec(out)![1]),
  };
}

function luaScript(dir: string, headers: Record<string, string>): string {
  const file = path.join(dir, 'request.lua');
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(JSON.stringify({ query: QUERY, operationName: 'TestQuery' }))}`,
    ...Object.entries({ 'Content-Type': 'application/json', ...headers }).map(
      ([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`,
    ),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A tenant with a rate limit no run reaches, its owner's live session, and a token for it. */
async function routerCaller(config: Config, db: TestDatabase) {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const redis = createRedis(config, pino({ level: 'silent' }));
  try {
    await migrateControlPlane(pool, config);
    const tenant = await createTestTenant(pool, config);
    await pool.query(
      `UPDATE ${qualified(config.CONTROL_SCHEMA, 'tenants')} SET requests_per_minute = 100000000 WHERE id = $1`,
      [tenant.id],
    );
    const store = new SessionStore(redis, config.REDIS_KEY_PREFIX, {
      policy: sessionPolicyFromConfig(config),
    });
    const { session } = await store.create({
      tenantId: tenant.id,
      userId: tenant.owner.id,
      device: { type: 'DESKTOP', os: 'Linux', browser: 'wrk' },
    });
    return { tenant, sessionId: session.id };
  } finally {
    await pool.end();
    await closeRedis(redis);
  }
}

async function main() {
  if (spawnSync('wrk', ['-v']).error)
    throw new Error('wrk is not installed: apt-get install -y wrk');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-router-'));
  const children: ChildProcess[] = [];
  const db = await createTestDatabase('ts_bench_router');
  const redisPrefix = `${uniqueName('bench_router')}:`;
  try {
    const subgraphs = await startProcess(onCore(1, tsx('bench/router/subgraphs.ts')), {}, (line) =>
      line.startsWith('{'),
    );
    children.push(subgraphs.child);
    const urls = JSON.parse(subgraphs.line) as Record<string, string>;
    const composed = composeSubgraphs(
      Object.entries(SUBGRAPHS).map(([name, { typeDefs }]) => ({
        name,
        url: urls[name],
        sdl: typeDefs,
      })),
    );
    if ('errors' in composed) throw new Error(composed.errors.join('\n'));
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composed.supergraphSdl);

    const signer = await createTestSigner(testConfig());
    const routerEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: redisPrefix,
      JWT_JWKS: signer.jwks,
      SUPERGRAPH_PATH: supergraphPath,
      SUBGRAPH_URLS: 'supergraph',
    };
    const config = testConfig(routerEnv);
    const { tenant, sessionId } = await routerCaller(config, db);
    const token = await signer.sign(
      {
        sub: tenant.owner.id,
        tid: tenant.id,
        tslug: tenant.slug,
        roles: ['OWNER'],
        sid: sessionId,
      },
      { expiresIn: '2h' },
    );
    const headers = { authorization: `Bearer ${token}` };

    const gateways: Gateway[] = [];
    for (const name of ['stock', 'hive', 'router'] as const) {
      const port = await freePort();
      const profile = PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`]
        : [];
      const command = [
        'node',
        ...profile,
        ...tsx('bench/router/gateway.ts', name, supergraphPath, String(port)).slice(1),
      ];
      const env = name === 'router' ? routerEnv : {};
      // The router logs a line per request, as in production; the run discards them.
      const child = spawn(onCore(0, command)[0], onCore(0, command).slice(1), {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      gateways.push({ name, url: `http://127.0.0.1:${port}/graphql`, process: child });
    }

    const expected = await answer(gateways[0].url, headers);
    for (const gateway of gateways.slice(1)) {
      const data = await answer(gateway.url, headers);
      if (!isDeepStrictEqual(data, expected))
        throw new Error(`${gateway.name} answered differently from stock`);
    }
    const size = Buffer.byteLength(JSON.stringify({ data: expected }));
    console.log(
      `query: users → reviews → product → reviews → author → reviews → product (+ topProducts); ` +
        `answer ${size} B, identical from all three`,
    );
    console.log(
      `concurrency ${CONCURRENCY}, ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, ` +
        `${ROUNDS} round(s), ${pinned ? 'gateway on core 0, subgraphs and wrk on core 1' : 'not pinned'}`,
    );

    const script = luaScript(dir, headers);
    const best = new Map<GatewayName, Measurement>();
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with a different gateway, so none always runs first or last.
      const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]);
      for (const gateway of order) {
        wrk(gateway.url, script, WARMUP_SECONDS);
        const result = wrk(gateway.url, script, SECONDS);
        console.log(
          `  round ${round + 1} ${gateway.name.padEnd(6)} ${result.requestsPerSecond.toFixed(0)} req/s ` +
            `p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms`,
        );
        const previous = best.get(gateway.name);
        if (!previous || result.requestsPerSecond > previous.requestsPerSecond)
          best.set(gateway.name, result);
      }
    }

    console.log('');
    console.log('gateway   req/s     p50 (ms)  p99 (ms)');
    for (const gateway of gateways) {
      const m = best.get(gateway.name)!;
      console.log(
        `${gateway.name.padEnd(9)} ${m.requestsPerSecond.toFixed(0).padStart(7)}   ` +
          `${m.p50Ms.toFixed(2).padStart(7)}   ${m.p99Ms.toFixed(2).padStart(7)}`,
      );
    }
    const router = best.get('router')!;
    for (const other of ['stock', 'hive'] as const) {
      const m = best.get(other)!;
      console.log(
        `router / ${other}: ${(router.requestsPerSecond / m.requestsPerSecond).toFixed(2)}× req/s, ` +
          `p50 ${(m.p50Ms / router.p50Ms).toFixed(2)}× lower, p99 ${(m.p99Ms / router.p99Ms).toFixed(2)}× lower`,
      );
    }
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            if (!child.kill('SIGTERM')) resolve(undefined);
          }),
      ),
    );
    await db.drop();
    const redis = createRedis(testConfig(), pino({ level: 'silent' }));
    await deleteKeys(redis, redisPrefix);
    await closeRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);

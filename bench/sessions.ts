/**
 * `npm run bench:sessions`: the session gate and the session store against the real Redis on
 * this machine, measured in one run.
 *
 * a. The per-request cost of session validation (SessionGate.assertLive): the cached path (a
 *    local LRU hit) in batches, and the miss path (a session this gate has not seen: one HMGET)
 *    per call, with the ratio of the two. The sessions are fresh, so no touch is due: a miss is
 *    the one HMGET.
 * b. Redis memory per session: BENCH_SESSIONS sessions over 100 tenants and 10,000 users, made
 *    with SessionStore.create 500 at a time; `used_memory` before and after, divided, against the
 *    sum of `MEMORY USAGE` of the keys (a sample of session hashes, and every shared sorted set).
 * c. Revocation propagation: a session revoked here, and the moment the SessionGate of another
 *    process (the gate probe, whose cache would hold the session for 10 minutes) refuses it.
 *
 * Options (environment): BENCH_SESSIONS (default 100000), BENCH_REVOCATIONS (default 200),
 * BENCH_CACHED_CALLS (default 2000000), BENCH_MISS_CALLS (default 5000).
 * Everything it writes lives under unique key prefixes, deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import {
  closeRedis,
  createRedis,
  EventBus,
  SessionGate,
  SessionStore,
  DEVICE_TYPES,
  type Principal,
  type Redis,
} from '@tradesage/shared';
import { startGateProbe, testConfig, uniqueName, type GateProbe } from '@tradesage/shared/testing';
import { deleteKeys, scanKeys } from './lib/redis-keys';
import { envCount, runBenchmark, runConcurrently, summarize, type Summary } from './lib/stats';

const log = pino({ level: 'silent' });
/** Longer than the run: the cached path never expires, and use is reported once per session. */
const LONG_MS = 3_600_000;
const CACHED_BATCH = 10_000;
const CACHED_WARMUP_BATCHES = 20;
const CACHED_SESSIONS = 1_000;
const MISS_WARMUP = 300;
const CREATE_CONCURRENCY = 500;
const TENANTS = 100;
const USERS = 10_000;
const HASH_SAMPLE = 1_000;
const REVOCATION_WARMUP = 20;
const BROWSERS = ['Chrome 126', 'Firefox 127', 'Safari 17', 'Edge 126'];
const SYSTEMS = ['macOS 14', 'Windows 11', 'iOS 17', 'Android 14'];

const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const us = (value: number) => `${value.toFixed(3)} µs`;
const ms = (value: number) => `${value.toFixed(3)} ms`;
const bytes = (value: number) => `${value.toFixed(0)} B`;
const mib = (value: number) => `${(value / 1_048_576).toFixed(1)} MiB`;

function row(label: string, s: Summary, format: (value: number) => string, max?: number): string {
  return (
    `${label.padEnd(44)} mean ${format(s.mean)}  p50 ${format(s.p50)}  p99 ${format(s.p99)}` +
    (max === undefined ? '' : `  max ${format(max)}`)
  );
}

function userPrincipal(tenantId: string, userId: string, sessionId: string): Principal {
  return { kind: 'user', userId, tenantId, tenantSlug: 'bench', roles: ['TRADER'], sessionId };
}

/** Opens `count` sessions spread over a few tenants, `CREATE_CONCURRENCY` at a time. */
async function openSessions(store: SessionStore, tenants: string[], count: number) {
  const principals: Principal[] = new Array(count);
  await runConcurrently(count, CREATE_CONCURRENCY, async (i) => {
    const tenantId = tenants[i % tenants.length];
    const userId = `user-${i % 500}`;
    const { session } = await store.create({
      tenantId,
      userId,
      device: { type: DEVICE_TYPES[i % 4], os: SYSTEMS[i % 4], browser: BROWSERS[i % 4] },
      ipAddress: '198.51.100.7',
    });
    principals[i] = userPrincipal(tenantId, userId, session.id);
  });
  return principals;
}

/** The fields of `INFO memory` (or another section) as numbers where they are numbers. */
async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

interface MemorySnapshot {
  used: number;
  clients: number;
}

/** `used_memory` once client buffers have had time to shrink back (Redis does it in its cron). */
async function memory(redis: Redis): Promise<MemorySnapshot> {
  await sleep(3_000);
  const fields = await info(redis, 'memory');
  return { used: Number(fields.used_memory), clients: Number(fields.mem_clients_normal) };
}

async function memoryUsage(redis: Redis, keys: string[]): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < keys.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 1_000)) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    for (const [error, size] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      sizes.push(Number(size ?? 0));
    }
  }
  return sizes;
}

// ---------------------------------------------------------------------------------------------
// a. Validation cost

interface ValidationResult {
  cached: Summary;
  missHget: Summary;
  missHgetMax: number;
}

async function validationCost(
  redis: Redis,
  store: SessionStore,
  bus: EventBus,
  cachedCalls: number,
  missCalls: number,
): Promise<ValidationResult> {
  const tenants = Array.from({ length: 10 }, () => randomUUID());

  // Cached: a gate that has seen every one of CACHED_SESSIONS sessions, cycled through.
  const warm = await openSessions(store, tenants, CACHED_SESSIONS);
  const cachedGate = new SessionGate(store, bus, { cacheTtlMs: LONG_MS, touchIntervalMs: LONG_MS });
  for (const principal of warm) await cachedGate.assertLive(principal);
  const batches = Math.max(1, Math.round(cachedCalls / CACHED_BATCH));
  const perCallUs: number[] = [];
  for (let b = -CACHED_WARMUP_BATCHES; b < batches; b++) {
    const started = performance.now();
    for (let i = 0; i < CACHED_BATCH; i++) await cachedGate.assertLive(warm[i % warm.length]);
    const elapsed = performance.now() - started;
    if (b >= 0) perCallUs.push((elapsed * 1_000) / CACHED_BATCH);
  }

  // Miss: every call names a session this gate has not seen.
  const fresh = await openSessions(store, tenants, MISS_WARMUP + missCalls);
  const measureMisses = async (gate: SessionGate, principals: Principal[]) => {
    const samples: number[] = [];
    for (const [i, principal] of principals.entries()) {
      const started = performance.now();
      await gate.assertLive(principal);
      const elapsed = performance.now() - started;
      if (i >= MISS_WARMUP) samples.push(elapsed * 1_000);
    }
    await redis.ping();
    return samples;
  };
  const missGate = new SessionGate(store, bus, { cacheTtlMs: LONG_MS, touchIntervalMs: LONG_MS });
  const missHget = await measureMisses(missGate, fresh);
  const sortedHget = [...missHget].sort((a, b) => a - b);
  return {
    cached: summarize(perCallUs),
    missHget: summarize(missHget),
    missHgetMax: sortedHget[sortedHget.length - 1],
  };
}

// ---------------------------------------------------------------------------------------------
// b. Memory per session

interface MemoryResult {
  sessions: number;
  createSeconds: number;
  usedDelta: number;
  clientsDelta: number;
  freedOnDelete: number;
  hashSample: Summary;
  hashEncoding: string;
  sessionsSetEncoding: string;
  sharedKeys: number;
  sharedBytes: number;
  userSetsBytes: number;
  tenantSetsBytes: number;
  keysTotal: number;
}

async function memoryPerSession(redis: Redis, count: number): Promise<MemoryResult> {
  const prefix = `${uniqueName('bench_sessions_mem')}:`;
  const store = new SessionStore(redis, prefix);
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  const ids: string[] = new Array(count);
  try {
    // Load the scripts on this connection first, so that their cache is not counted.
    await store.revoke(tenants[0], randomUUID(), 'LOGOUT');
    await store.touch(tenants[0], randomUUID());
    const before = await memory(redis);
    const createMs = await runConcurrently(count, CREATE_CONCURRENCY, async (i) => {
      const user = i % USERS; // each user belongs to one tenant: user % TENANTS
      const { session } = await store.create({
        tenantId: tenants[user % TENANTS],
        userId: `user-${user}`,
        device: { type: DEVICE_TYPES[i % 4], os: SYSTEMS[i % 4], browser: BROWSERS[i % 4] },
        ipAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      });
      ids[i] = session.id;
    });
    const after = await memory(redis);

    const keys = await scanKeys(redis, prefix);
    const isHash = (key: string) => /:session:[0-9a-f-]{36}$/.test(key);
    const shared = keys.filter((key) => !isHash(key));
    const hashes = keys.length - shared.length;
    if (hashes !== count) throw new Error(`expected ${count} session hashes, found ${hashes}`);
    const sampleSize = Math.min(HASH_SAMPLE, count);
    const sampleKeys = Array.from({ length: sampleSize }, (_, n) => {
      const i = Math.floor((n * count) / sampleSize);
      return `${prefix}{t:${tenants[(i % USERS) % TENANTS]}}:session:${ids[i]}`;
    });
    const hashSizes = await memoryUsage(redis, sampleKeys);
    if (hashSizes.some((size) => size === 0)) throw new Error('a sampled session hash is missing');
    const sharedSizes = await memoryUsage(redis, shared);
    let userSetsBytes = 0;
    let tenantSetsBytes = 0;
    shared.forEach((key, i) => {
      if (/:user:[^:]+:sessions$/.test(key)) userSetsBytes += sharedSizes[i];
      else tenantSetsBytes += sharedSizes[i];
    });
    const hashEncoding = String(await redis.object('ENCODING', sampleKeys[0]));
    const sessionsSetEncoding = String(
      await redis.object('ENCODING', `${prefix}{t:${tenants[0]}}:sessions`),
    );

    await deleteKeys(redis, prefix);
    const emptied = await memory(redis);
    return {
      sessions: count,
      createSeconds: createMs / 1_000,
      usedDelta: after.used - before.used,
      clientsDelta: after.clients - before.clients,
      freedOnDelete: after.used - emptied.used,
      hashSample: summarize(hashSizes),
      hashEncoding,
      sessionsSetEncoding,
      sharedKeys: shared.length,
      sharedBytes: userSetsBytes + tenantSetsBytes,
      userSetsBytes,
      tenantSetsBytes,
      keysTotal: keys.length,
    };
  } finally {
    await deleteKeys(redis, prefix);
  }
}

// ---------------------------------------------------------------------------------------------
// c. Revocation propagation

interface PropagationResult {
  revocations: number;
  propagation: number[];
  noticed: number[];
  revokeCall: number[];
  clockBefore: { offsetMs: number; roundTripMs: number };
  clockAfter: { offsetMs: number; roundTripMs: number };
}

async function revocationPropagation(
  store: SessionStore,
  probe: GateProbe,
  revocations: number,
): Promise<PropagationResult> {
  const tenants = Array.from({ length: 10 }, () => randomUUID());
  const clockBefore = await probe.clock(20);
  const propagation: number[] = [];
  const noticed: number[] = [];
  const revokeCall: number[] = [];
  for (let i = -REVOCATION_WARMUP; i < revocations; i++) {
    const tenantId = tenants[Math.abs(i) % tenants.length];
    const { session } = await store.create({
      tenantId,
      userId: `user-${Math.abs(i) % 50}`,
      device: { type: 'DESKTOP' },
    });
    await probe.watch(tenantId, session.id);
    const before = epochMs();
    const ended = await store.revoke(tenantId, session.id, 'REVOKED');
    const returned = epochMs();
    if (!ended) throw new Error(`session ${session.id} was not live when revoked`);
    const refusedAt = await probe.refusedAt(session.id);
    if (i < 0) continue;
    propagation.push(refusedAt - before);
    noticed.push(probe.noticedAt(session.id)! - before);
    revokeCall.push(returned - before);
  }
  const clockAfter = await probe.clock(20);
  return { revocations, propagation, noticed, revokeCall, clockBefore, clockAfter };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const sessionCount = envCount('BENCH_SESSIONS', 100_000);
  const revocations = envCount('BENCH_REVOCATIONS', 200);
  const cachedCalls = envCount('BENCH_CACHED_CALLS', 2_000_000);
  const missCalls = envCount('BENCH_MISS_CALLS', 5_000);

  const config = testConfig();
  const redis = createRedis(config, log);
  const prefix = `${uniqueName('bench_sessions')}:`;
  const bus = new EventBus(redis, prefix, log);
  const store = new SessionStore(redis, prefix);
  let probe: GateProbe | undefined;
  try {
    const server = await info(redis, 'server');
    const keyspace = await info(redis, 'keyspace');
    console.log(
      `session gate and store against Redis ${server.redis_version} at ${config.REDIS_URL} ` +
        `(keyspace: ${Object.entries(keyspace)
          .map(([db, stats]) => `${db} ${stats}`)
          .join('; ')})`,
    );
    console.log(
      'The Redis server is shared with whatever else runs on this machine; memory deltas include ' +
        'their writes, if any, made during the run.\n',
    );

    console.log(
      `a. per-request session validation (SessionGate.assertLive), sequential, one process`,
    );
    const validation = await validationCost(redis, store, bus, cachedCalls, missCalls);
    console.log(
      row(
        `  cached (${CACHED_SESSIONS} warm sessions, ${validation.cached.n} batches of ${CACHED_BATCH})`,
        validation.cached,
        us,
      ),
    );
    console.log(
      row(
        `  miss, one HMGET (${validation.missHget.n} calls)`,
        validation.missHget,
        us,
        validation.missHgetMax,
      ),
    );
    const meanRatio = validation.missHget.mean / validation.cached.mean;
    const p50Ratio = validation.missHget.p50 / validation.cached.p50;
    console.log(
      `  ratio miss (HMGET) / cached: mean ${meanRatio.toFixed(0)}x, p50 ${p50Ratio.toFixed(0)}x`,
    );
    console.log(
      '  (cached batch figures are batch means, so their p99 hides single slow calls; the miss ' +
        'path is timed per call)\n',
    );

    console.log(
      `b. Redis memory per session: ${sessionCount} sessions, ${TENANTS} tenants, ${USERS} users, ` +
        `${CREATE_CONCURRENCY} creates at a time`,
    );
    const mem = await memoryPerSession(redis, sessionCount);
    const perSession = mem.usedDelta / mem.sessions;
    const keyLevel = mem.hashSample.mean + mem.sharedBytes / mem.sessions;
    console.log(
      `  created in ${mem.createSeconds.toFixed(1)} s (${(mem.sessions / mem.createSeconds).toFixed(0)} sessions/s); ` +
        `${mem.keysTotal} keys (${mem.sessions} session hashes, ${mem.sharedKeys} shared sorted sets and counters)`,
    );
    console.log(
      `  used_memory delta: ${mib(mem.usedDelta)}, ${bytes(perSession)} per session ` +
        `(client buffers changed by ${bytes(mem.clientsDelta)} meanwhile; ` +
        `deleting the keys freed ${mib(mem.freedOnDelete)}, ${bytes(mem.freedOnDelete / mem.sessions)} per session)`,
    );
    console.log(
      `  MEMORY USAGE, session hash (sample of ${mem.hashSample.n}, ${mem.hashEncoding}): ` +
        `mean ${bytes(mem.hashSample.mean)}, p50 ${bytes(mem.hashSample.p50)}, p99 ${bytes(mem.hashSample.p99)}`,
    );
    console.log(
      `  MEMORY USAGE, shared keys: ${mib(mem.sharedBytes)} in all, ${bytes(mem.sharedBytes / mem.sessions)} per session ` +
        `(per-tenant sets ${bytes(mem.tenantSetsBytes / mem.sessions)}, per-user sets ` +
        `${bytes(mem.userSetsBytes / mem.sessions)}; a tenant's sessions set is ${mem.sessionsSetEncoding})`,
    );
    console.log(
      `  key-level sum per session: ${bytes(keyLevel)}; used_memory delta / key-level sum: ` +
        `${(perSession / keyLevel).toFixed(2)} (the rest: the keyspace and expiry tables, allocator rounding)\n`,
    );

    console.log(
      `c. revocation propagation: revoke here, until the gate probe (another process, cache TTL ` +
        `10 min, re-checking on every event-loop turn) refuses; ${revocations} revocations one at a time`,
    );
    probe = await startGateProbe(prefix, { redisUrl: config.REDIS_URL });
    const prop = await revocationPropagation(store, probe, revocations);
    const propSummary = summarize(prop.propagation);
    const sortedProp = [...prop.propagation].sort((a, b) => a - b);
    console.log(row('  revoke → probe refuses (probe clock)', propSummary, ms, sortedProp.at(-1)!));
    console.log(
      row(
        '  revoke → this process reads the refusal',
        summarize(prop.noticed),
        ms,
        Math.max(...prop.noticed),
      ),
    );
    console.log(
      row('  the revoke call itself (script round trip)', summarize(prop.revokeCall), ms),
    );
    console.log(
      `  clock offset probe − here: ${ms(prop.clockBefore.offsetMs)} ± ${ms(prop.clockBefore.roundTripMs / 2)} before, ` +
        `${ms(prop.clockAfter.offsetMs)} ± ${ms(prop.clockAfter.roundTripMs / 2)} after ` +
        '(both clocks are performance.timeOrigin + performance.now())\n',
    );

    console.log('summary');
    console.log(
      `  validation per request: cached ${us(validation.cached.mean)} mean (p50 ${us(validation.cached.p50)}, ` +
        `p99 ${us(validation.cached.p99)}); miss ${us(validation.missHget.mean)} mean ` +
        `(p50 ${us(validation.missHget.p50)}, p99 ${us(validation.missHget.p99)}); ` +
        `miss/cached ${meanRatio.toFixed(0)}x`,
    );
    console.log(
      `  Redis memory per session (${mem.sessions} sessions): ${bytes(perSession)} by used_memory, ` +
        `${bytes(keyLevel)} by MEMORY USAGE (hash ${bytes(mem.hashSample.mean)} + shared sets ` +
        `${bytes(mem.sharedBytes / mem.sessions)}); ${mib(perSession * 1_000_000)} per million sessions`,
    );
    console.log(
      `  revocation propagation to another process (${propSummary.n}): p50 ${ms(propSummary.p50)}, ` +
        `p99 ${ms(propSummary.p99)}, max ${ms(sortedProp.at(-1)!)}`,
    );
  } finally {
    await probe?.close();
    await bus.close();
    await deleteKeys(redis, prefix);
    await closeRedis(redis);
  }
}

runBenchmark(async () => {
  await main();
  process.exit(0);
});

/**
 * The gate probe: a separate process with its own SessionGate, for measuring how a revocation
 * made in one process reaches the gate of another. Run with
 * `node --import tsx packages/shared/testing/gate-probe.ts`; `startGateProbe` (gate-probe-client)
 * does that and speaks its protocol.
 *
 * Environment: GATE_PROBE_PREFIX (the Redis key prefix, required), REDIS_URL (default
 * redis://127.0.0.1:6379).
 *
 * The gate's cache lasts GATE_PROBE_CACHE_TTL_MS (10 minutes) and it reports activity once per
 * session, so once a session's entry is warm, only the bus's `session.revoked` invalidation can
 * make the gate refuse it during a test.
 *
 * Protocol, one line each way (stdout carries nothing else; logs go to stderr):
 * - at start-up, once the bus subscription is known to receive events: `ready`
 * - `watch <tenantId> <sessionId>`: checks the session once (warming the cache) and replies
 *   `live <sessionId>` or `error <sessionId> <message>`; then re-checks it on every turn of the
 *   event loop until the gate refuses it, and prints `refused <sessionId> <epoch ms>` (epoch ms
 *   with sub-millisecond precision: performance.timeOrigin + performance.now()). Watching a
 *   session already watched only checks it again (one loop per session).
 * - `unwatch <sessionId>`: stops re-checking it (no reply).
 * - `clock`: replies `clock <epoch ms>`, for estimating the offset between the two clocks.
 * - `quit`, or the end of stdin: closes the connections and exits.
 * Anything else: `error - <message>`.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { SessionGate } from '../src/auth/session-gate';
import type { Principal } from '../src/auth/principal';
import { EventBus } from '../src/events';
import { closeRedis, createRedis } from '../src/redis';
import { SessionStore } from '../src/sessions';
import { GATE_PROBE_CACHE_TTL_MS } from './gate-probe-client';

const prefix = process.env.GATE_PROBE_PREFIX;
if (!prefix) {
  process.stderr.write('gate-probe: GATE_PROBE_PREFIX is required\n');
  process.exit(2);
}

const log = pino({ name: 'gate-probe', level: 'warn' }, pino.destination(2));
const redis = createRedis({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, log);
const bus = new EventBus(redis, prefix, log);
const store = new SessionStore(redis, prefix);
const gate = new SessionGate(store, bus, {
  cacheTtlMs: GATE_PROBE_CACHE_TTL_MS,
  touchIntervalMs: GATE_PROBE_CACHE_TTL_MS,
  log,
});
/** Sessions being re-checked, each with the token of its loop; deleting one stops its loop. */
const watched = new Map<string, symbol>();

const now = () => performance.timeOrigin + performance.now();
const reply = (line: string) => process.stdout.write(`${line}\n`);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const oneLine = (message: string) => message.replace(/\s+/g, ' ').trim();

function principal(tenantId: string, sessionId: string): Principal {
  return {
    kind: 'user',
    userId: 'gate-probe',
    tenantId,
    tenantSlug: 'gate-probe',
    roles: [],
    sessionId,
  };
}

/** Resolves once this process's subscription hears what it publishes on `session.revoked`. */
async function subscriptionReady(): Promise<void> {
  const marker = `gate-probe-ready-${randomUUID()}`;
  let heard = false;
  bus.subscribe('session.revoked', (event) => {
    if (event.sessionId === marker) heard = true;
  });
  const deadline = Date.now() + 15_000;
  while (!heard) {
    if (Date.now() > deadline) throw new Error('the bus subscription was not established in 15 s');
    await bus.publish('session.revoked', {
      tenantId: 'gate-probe',
      sessionId: marker,
      userId: 'gate-probe',
      reason: 'REVOKED',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function watch(tenantId: string, sessionId: string): Promise<void> {
  const who = principal(tenantId, sessionId);
  try {
    await gate.assertLive(who);
    // The first check also reports activity in the background; let its reply arrive first, so
    // that nothing but the bus can drop the entry once `live` is out (replies come in order).
    await redis.ping();
    await nextTurn();
  } catch (error) {
    reply(`error ${sessionId} ${oneLine((error as Error).message)}`);
    return;
  }
  reply(`live ${sessionId}`);
  if (watched.has(sessionId)) return;
  const loop = Symbol(sessionId);
  watched.set(sessionId, loop);
  while (watched.get(sessionId) === loop) {
    try {
      await gate.assertLive(who);
    } catch {
      const at = now();
      watched.delete(sessionId);
      reply(`refused ${sessionId} ${at.toFixed(3)}`);
      return;
    }
    await nextTurn();
  }
}

let closing = false;
async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  watched.clear();
  await bus.close();
  await closeRedis(redis);
  process.exit(code);
}

function handle(line: string): void {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === '') return;
  if (command === 'watch' && args.length === 2) {
    void watch(args[0], args[1]);
  } else if (command === 'unwatch' && args.length === 1) {
    watched.delete(args[0]);
  } else if (command === 'clock' && args.length === 0) {
    reply(`clock ${now().toFixed(3)}`);
  } else if (command === 'quit') {
    void shutdown(0);
  } else {
    reply(`error - unknown command: ${oneLine(line)}`);
  }
}

async function main(): Promise<void> {
  await subscriptionReady();
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', handle);
  input.on('close', () => void shutdown(0));
  reply('ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`gate-probe: ${(error as Error).stack ?? String(error)}\n`);
  void shutdown(1);
});

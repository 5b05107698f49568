/**
 * Subscription fan-out for `bench:load`: N graphql-ws subscribers to SessionEvents on one router,
 * held by a few child processes (subscribers.ts), then session events triggered by Logout
 * mutations through the router, each delivery timed from just before its Logout was sent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { graphql, operation, type SignedIn, type Stack } from '../../e2e/support/stack';
import { percentile } from '../lib/stats';
import type { ChildReport, ChildStatus, ConnectOrder, FromChild, ToChild } from './messages';
import { alive, cpuSeconds, processMemory, type ProcessMemory } from './procfs';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHILD = path.join(__dirname, 'subscribers.ts');

/** Only session-subgraph fields: the router forwards each event without another fetch. */
export const SUBSCRIPTION = /* GraphQL */ `
  subscription LoadSessionEvents {
    sessionEvents {
      type
      at
      session {
        id
        status
        device {
          type
        }
      }
    }
  }
`;

/** A message to a child, before its sequence number. */
type Order = ToChild extends infer T ? (T extends ToChild ? Omit<T, 'seq'> : never) : never;

/** One subscriber process, and its requests waiting for their answers. */
class Child {
  private seq = 0;
  private readonly waiting = new Map<number, (message: FromChild) => void>();
  exited: string | undefined;

  constructor(readonly process: ChildProcess) {
    process.on('message', (message: FromChild) => {
      const resolve = this.waiting.get(message.seq);
      this.waiting.delete(message.seq);
      resolve?.(message);
    });
    process.once('exit', (code, signal) => {
      this.exited = `exited (${code ?? signal})`;
      for (const resolve of this.waiting.values())
        resolve({ kind: 'closed', seq: -1 } as FromChild);
      this.waiting.clear();
    });
  }

  ask<K extends FromChild['kind']>(
    message: Order,
  ): Promise<Extract<FromChild, { kind: K }> | undefined> {
    if (this.exited) return Promise.resolve(undefined);
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, (answer) =>
        resolve(answer.seq === -1 ? undefined : (answer as Extract<FromChild, { kind: K }>)),
      );
      this.process.send({ ...message, seq });
    });
  }
}

export interface FanoutOptions {
  subscribers: number;
  processes: number;
  /** Handshakes in flight per process. */
  connectConcurrency: number;
  events: number;
  intervalMs: number;
  /** How long to wait for the last deliveries once every event is sent. */
  drainMs: number;
  subscriberTokens: string[];
  /** Sessions of a user of the tenant, each ended by one Logout: probes first, then events. */
  triggerSessions: SignedIn[];
  probes: number;
  routerPid: number;
  sessionPid: number | undefined;
  log: (line: string) => void;
  /** How busy the machine is, for the log. */
  load: () => string;
  /** Called when the events start and when the last delivery is in (CPU profiles). */
  profileWindow: () => void;
}

export interface FanoutResult {
  requested: number;
  /** Summed over the processes. */
  status: ChildStatus;
  connectSeconds: number;
  /** Subscribers that received the liveness probe that reached the most. */
  live: number;
  probesSent: number;
  expected: number;
  delivered: number;
  missing: number;
  /** Deliveries beyond one per subscriber and event. */
  extra: number;
  latency: { p50: number; p90: number; p99: number; max: number } | undefined;
  /** The Logout round trips (send → response). */
  trigger: { p50: number; max: number } | undefined;
  /** Per event: the slowest delivery after its Logout was sent. */
  perEventMax: number[];
  routerConnected?: ProcessMemory;
  routerAfter?: ProcessMemory;
  sessionConnected?: ProcessMemory;
  metrics: Record<string, number>;
  /** The longest event-loop stall of each, from the first Logout to the last delivery (s). */
  lagDuringEvents: { router: number; session: number };
  /** Cores used per process from the first Logout to the last delivery, and that span (s). */
  cores: Record<string, number>;
  eventSeconds: number;
  routerAlive: boolean;
  commands: string[];
}

function sumStatus(statuses: ChildStatus[]): ChildStatus {
  const total: ChildStatus = {
    attempted: 0,
    acked: 0,
    openNow: 0,
    active: 0,
    failed: 0,
    completes: 0,
    closeCodes: {},
    errors: {},
    counts: {},
    connectMs: 0,
  };
  for (const status of statuses) {
    total.attempted += status.attempted;
    total.acked += status.acked;
    total.openNow += status.openNow;
    total.active += status.active;
    total.failed += status.failed;
    total.completes += status.completes;
    total.connectMs = Math.max(total.connectMs ?? 0, status.connectMs ?? 0);
    for (const [table, into] of [
      [status.closeCodes, total.closeCodes],
      [status.errors, total.errors],
      [status.counts, total.counts],
    ] as const)
      for (const [key, n] of Object.entries(table)) into[key] = (into[key] ?? 0) + n;
  }
  return total;
}

/**
 * The router's and the session subgraph's subscription gauges and their event-loop lag, from their
 * /metrics. prom-client resets the lag histogram at each scrape: the max is since the last one.
 */
async function subscriptionMetrics(stack: Stack): Promise<Record<string, number>> {
  const read = async (service: 'router' | 'session') => {
    try {
      const response = await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`, {
        signal: AbortSignal.timeout(120_000),
      });
      return await response.text();
    } catch {
      return '';
    }
  };
  const gauge = (text: string, pattern: RegExp) => {
    let total = 0;
    for (const match of text.matchAll(pattern)) total += Number(match[1]);
    return total;
  };
  const [router, session] = await Promise.all([read('router'), read('session')]);
  return {
    'router websocket_connections_active': gauge(
      router,
      /^websocket_connections_active(?:\{[^}]*\})? (\d+)/gm,
    ),
    'router graphql_subscriptions_active': gauge(
      router,
      /^graphql_subscriptions_active\{[^}]*\} (\d+)/gm,
    ),
    'session websocket_connections_active': gauge(
      session,
      /^websocket_connections_active(?:\{[^}]*\})? (\d+)/gm,
    ),
    'session graphql_subscriptions_active': gauge(
      session,
      /^graphql_subscriptions_active\{[^}]*\} (\d+)/gm,
    ),
    'router event-loop lag max (s)': gauge(
      router,
      /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([\d.e+-]+)/gm,
    ),
    'session event-loop lag max (s)': gauge(
      session,
      /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([\d.e+-]+)/gm,
    ),
  };
}

export async function runFanout(stack: Stack, options: FanoutOptions): Promise<FanoutResult> {
  const { log } = options;
  const execArgv = ['--import', 'tsx'];
  const commands = [`${process.execPath} ${execArgv.join(' ')} ${CHILD}  (×${options.processes})`];
  const children = Array.from(
    { length: options.processes },
    () => new Child(fork(CHILD, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
  );
  const url = stack.routerUrl.replace(/^http/, 'ws');
  const statusAll = async (keys: string[]) =>
    sumStatus(
      (await Promise.all(children.map((child) => child.ask<'status'>({ kind: 'status', keys }))))
        .filter((answer) => answer !== undefined)
        .map((answer) => answer.status),
    );
  try {
    // ---- connect
    const per = Math.ceil(options.subscribers / options.processes);
    const started = now();
    const connected = children.map((child, i) => {
      const order: ConnectOrder = {
        url,
        tokens: options.subscriberTokens,
        count: Math.max(0, Math.min(per, options.subscribers - i * per)),
        firstIndex: i * per,
        query: SUBSCRIPTION,
        operationName: 'LoadSessionEvents',
        concurrency: options.connectConcurrency,
      };
      return child.ask<'connected'>({ kind: 'connect', order });
    });
    let done = false;
    const all = Promise.all(connected).finally(() => (done = true));
    while (!done) {
      await Promise.race([all, sleep(5_000)]);
      if (done) break;
      const status = await statusAll([]);
      log(
        `    … ${status.acked} acknowledged, ${status.failed} failed, ${status.openNow} open ` +
          `(${((now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    await all;
    const connectSeconds = (now() - started) / 1000;
    let status = await statusAll([]);
    log(
      `    connected: ${status.acked} of ${options.subscribers} acknowledged in ` +
        `${connectSeconds.toFixed(1)} s, ${status.failed} failed, ${status.openNow} open`,
    );

    // ---- liveness: a subscription is live once the session subgraph has it; a probe event
    // reaching every open subscriber says so.
    const triggers = [...options.triggerSessions];
    const logout = async (session: SignedIn) => {
      const sent = now();
      const result = await graphql(stack.routerUrl, operation('Logout'), session.token);
      const answered = now();
      if (result.status !== 200 || result.body.data?.logout !== true)
        throw new Error(`Logout: HTTP ${result.status} ${JSON.stringify(result.body)}`);
      return { sent, answered, key: `REVOKED:${session.sessionId}` };
    };
    let live = 0;
    let probesSent = 0;
    for (let probe = 0; probe < options.probes && triggers.length > options.events; probe++) {
      await sleep(probe === 0 ? 1_000 : 3_000);
      const { key } = await logout(triggers.shift()!);
      probesSent++;
      const deadline = now() + 15_000;
      let reached = 0;
      let open = 0;
      for (;;) {
        const probeStatus = await statusAll([key]);
        reached = probeStatus.counts[key] ?? 0;
        open = probeStatus.openNow;
        if (reached >= open || now() > deadline) break;
        await sleep(250);
      }
      live = Math.max(live, reached);
      log(`    probe ${probe + 1}: reached ${reached} of ${open} open subscribers`);
      if (reached >= open) break;
    }

    const routerConnected = processMemory(options.routerPid);
    const sessionConnected = options.sessionPid ? processMemory(options.sessionPid) : undefined;
    const metrics = await subscriptionMetrics(stack);

    // ---- events, with the CPU each process uses from the first Logout to the last delivery
    const pids: Record<string, number> = { router: options.routerPid };
    if (options.sessionPid) pids['session subgraph'] = options.sessionPid;
    children.forEach((child, i) => (pids[`subscribers ${i + 1}`] = child.process.pid!));
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSeconds(p)]));
    log(`    ${options.events} events, ${options.intervalMs} ms apart (${options.load()})`);
    options.profileWindow();
    const eventsStarted = now();
    const events: { sent: number; answered: number; key: string }[] = [];
    for (let i = 0; i < options.events && triggers.length > 0; i++) {
      const startedAt = now();
      try {
        events.push(await logout(triggers.shift()!));
      } catch (error) {
        log(`    event ${i + 1}: ${(error as Error).message}`);
      }
      await sleep(Math.max(0, options.intervalMs - (now() - startedAt)));
    }
    const keys = events.map((event) => event.key);
    const target = options.subscribers * events.length;
    let last = -1;
    let quietSince = now();
    for (;;) {
      status = await statusAll(keys);
      const delivered = keys.reduce((sum, key) => sum + (status.counts[key] ?? 0), 0);
      if (delivered >= target) break;
      if (delivered !== last) [last, quietSince] = [delivered, now()];
      if (now() - quietSince > options.drainMs) break;
      await sleep(250);
    }
    options.profileWindow();
    const routerAfter = processMemory(options.routerPid);
    const after = await subscriptionMetrics(stack);
    const lagDuringEvents = {
      router: after['router event-loop lag max (s)'],
      session: after['session event-loop lag max (s)'],
    };
    const eventSeconds = (now() - eventsStarted) / 1000;
    const cores = Object.fromEntries(
      Object.entries(pids).map(([n, p]) => [n, (cpuSeconds(p) - cpuBefore[n]) / eventSeconds]),
    );

    // ---- report
    const reports = (
      await Promise.all(children.map((child) => child.ask<'report'>({ kind: 'report', keys })))
    )
      .filter((answer) => answer !== undefined)
      .map((answer) => answer.report) as ChildReport[];
    status = sumStatus(reports.map((report) => report.status));
    const latencies: number[] = [];
    const perEventMax: number[] = [];
    let delivered = 0;
    let extra = 0;
    for (const event of events) {
      const times = reports.flatMap((report) => report.receipts[event.key] ?? []);
      delivered += Math.min(times.length, options.subscribers);
      extra += Math.max(0, times.length - options.subscribers);
      let slowest = 0;
      for (const time of times) {
        latencies.push(time - event.sent);
        slowest = Math.max(slowest, time - event.sent);
      }
      perEventMax.push(slowest);
    }
    latencies.sort((a, b) => a - b);
    const roundTrips = events.map((event) => event.answered - event.sent).sort((a, b) => a - b);
    const expected = options.subscribers * options.events;
    return {
      requested: options.subscribers,
      status,
      connectSeconds,
      live,
      probesSent,
      expected,
      delivered,
      missing: expected - delivered,
      extra,
      latency: latencies.length
        ? {
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            max: latencies[latencies.length - 1],
          }
        : undefined,
      trigger: roundTrips.length
        ? { p50: percentile(roundTrips, 50), max: roundTrips[roundTrips.length - 1] }
        : undefined,
      perEventMax,
      routerConnected,
      routerAfter,
      sessionConnected,
      metrics,
      lagDuringEvents,
      cores,
      eventSeconds,
      routerAlive: alive(options.routerPid),
      commands,
    };
  } finally {
    await Promise.all(children.map((child) => child.ask<'closed'>({ kind: 'close' })));
    for (const child of children) if (!child.exited) child.process.kill('SIGKILL');
  }
}

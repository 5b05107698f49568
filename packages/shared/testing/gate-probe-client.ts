/**
 * Starts the gate probe (gate-probe.ts) as a child process and speaks its line protocol, so a
 * test or bench can revoke a session in its own process and see when another process's
 * SessionGate refuses it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../src/config';

/** The probe gate's cache lifetime: far longer than any test, so it never expires an entry. */
export const GATE_PROBE_CACHE_TTL_MS = 600_000;

const PROBE_SCRIPT = path.join(__dirname, 'gate-probe.ts');

export interface GateProbeOptions {
  /** Default: the REDIS_URL of this process's environment, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** How long to wait for `ready` (the probe compiles with tsx and subscribes first). */
  startTimeoutMs?: number;
  /** How long `watch` and `clock` wait for their reply, and `refusedAt` for the refusal. */
  replyTimeoutMs?: number;
}

export interface GateProbe {
  readonly pid: number;
  /**
   * Has the probe check the session (warming its cache), then re-check it continuously until
   * refused. Resolves when the probe answers `live`; rejects with its error otherwise.
   */
  watch(tenantId: string, sessionId: string): Promise<void>;
  /**
   * When the probe's gate first refused the session (epoch ms, sub-ms precision, from
   * `performance.timeOrigin + performance.now()` in the probe). Works whether the refusal came
   * before or after the call; rejects if none comes within the reply timeout.
   */
  refusedAt(sessionId: string): Promise<number>;
  /**
   * When this process read the refusal (epoch ms, this process's clock), or undefined if it has
   * not: an upper bound on the propagation that needs no agreement between the two clocks.
   */
  noticedAt(sessionId: string): number | undefined;
  /** Stops re-checking a session. */
  unwatch(sessionId: string): void;
  /**
   * Estimates the probe's clock offset from this process's (probe minus here, at the round
   * trip's midpoint, so within ± half the round trip), from the quickest of `samples` round
   * trips. Both in ms.
   */
  clock(samples?: number): Promise<{ offsetMs: number; roundTripMs: number }>;
  /** Stops the probe (gracefully, else with SIGKILL after 5 s). */
  close(): Promise<void>;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may attach later (a refusal can come before refusedAt is called).
  promise.catch(() => undefined);
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      if (d.settled) return;
      d.settled = true;
      resolve(value);
    },
    reject: (error) => {
      if (d.settled) return;
      d.settled = true;
      reject(error);
    },
  };
  return d;
}

/** Rejects with `message` unless the promise settles within `ms`. */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const epochMs = () => performance.timeOrigin + performance.now();

/** Starts a probe on the key prefix and resolves once it reports `ready`. */
export async function startGateProbe(
  prefix: string,
  options: GateProbeOptions = {},
): Promise<GateProbe> {
  const { startTimeoutMs = 30_000, replyTimeoutMs = 10_000 } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE_SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GATE_PROBE_PREFIX: prefix,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  child.stdin.on('error', () => undefined); // the probe may be gone; 'exit' reports it

  const ready = deferred<void>();
  const lives = new Map<string, Deferred<void>[]>();
  const refusals = new Map<string, Deferred<number>>();
  const noticed = new Map<string, number>();
  const clocks: { sentAt: number; reply: Deferred<{ offsetMs: number; roundTripMs: number }> }[] =
    [];
  let exited: Error | undefined;

  const refusal = (sessionId: string) => {
    let d = refusals.get(sessionId);
    if (!d) refusals.set(sessionId, (d = deferred<number>()));
    return d;
  };
  const takeLive = (sessionId: string) => {
    const queue = lives.get(sessionId);
    const d = queue?.shift();
    if (queue?.length === 0) lives.delete(sessionId);
    return d;
  };
  const describe = () => (stderr.trim() ? `; its stderr ends with:\n${stderr.trim()}` : '');
  const unexpected = (line: string) => {
    stderr = `${stderr}\n(unexpected line from the probe: ${line})`.slice(-4_000);
  };

  createInterface({ input: child.stdout, terminal: false }).on('line', (line) => {
    const [kind, id, ...rest] = line.split(' ');
    switch (kind) {
      case 'ready':
        ready.resolve();
        return;
      case 'live': {
        const d = takeLive(id);
        if (d) d.resolve();
        else unexpected(line);
        return;
      }
      case 'error': {
        const d = id === '-' ? undefined : takeLive(id);
        if (d) d.reject(new Error(`gate probe: ${rest.join(' ')}`));
        else unexpected(line);
        return;
      }
      case 'refused':
        if (!noticed.has(id)) noticed.set(id, epochMs());
        refusal(id).resolve(Number(rest[0]));
        return;
      case 'clock': {
        const receivedAt = epochMs();
        const pending = clocks.shift();
        if (!pending) return unexpected(line);
        const probeAt = Number(id);
        pending.reply.resolve({
          offsetMs: probeAt - (pending.sentAt + receivedAt) / 2,
          roundTripMs: receivedAt - pending.sentAt,
        });
        return;
      }
      default:
        unexpected(line);
    }
  });

  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = new Error(`gate probe exited (code ${code}, signal ${signal})${describe()}`);
      ready.reject(exited);
      for (const queue of lives.values()) for (const d of queue) d.reject(exited);
      lives.clear();
      for (const d of refusals.values()) d.reject(exited);
      for (const { reply } of clocks.splice(0)) reply.reject(exited);
      resolve();
    });
  });

  const send = (line: string) => {
    if (exited) throw exited;
    child.stdin.write(`${line}\n`);
  };

  const close = async () => {
    if (!exited) {
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
  };

  try {
    await within(
      ready.promise,
      startTimeoutMs,
      () => `gate probe not ready in ${startTimeoutMs} ms${describe()}`,
    );
  } catch (error) {
    await close();
    throw error;
  }

  return {
    pid: child.pid!,
    async watch(tenantId, sessionId) {
      if (/\s/.test(tenantId + sessionId)) throw new Error('ids must not contain whitespace');
      const live = deferred<void>();
      lives.set(sessionId, [...(lives.get(sessionId) ?? []), live]);
      refusal(sessionId);
      send(`watch ${tenantId} ${sessionId}`);
      await within(
        live.promise,
        replyTimeoutMs,
        () => `gate probe did not answer watch ${sessionId}`,
      );
    },
    refusedAt(sessionId) {
      return within(
        refusal(sessionId).promise,
        replyTimeoutMs,
        () => `gate probe did not refuse ${sessionId} within ${replyTimeoutMs} ms`,
      );
    },
    noticedAt(sessionId) {
      return noticed.get(sessionId);
    },
    unwatch(sessionId) {
      send(`unwatch ${sessionId}`);
    },
    async clock(samples = 1) {
      let best: { offsetMs: number; roundTripMs: number } | undefined;
      for (let i = 0; i < Math.max(1, samples); i++) {
        const reply = deferred<{ offsetMs: number; roundTripMs: number }>();
        clocks.push({ sentAt: epochMs(), reply });
        send('clock');
        const sample = await within(
          reply.promise,
          replyTimeoutMs,
          () => 'gate probe did not answer clock',
        );
        if (!best || sample.roundTripMs < best.roundTripMs) best = sample;
      }
      return best!;
    },
    close,
  };
}

import type { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import RedisMock from 'ioredis-mock';
import { IN_PROCESS_SESSION_SCRIPTS } from './session-scripts-in-process';

/**
 * The in-process Redis of the embedded development mode (`REDIS_URL=memory://…`): ioredis-mock,
 * which already keeps one data set, pub/sub included, for all its clients of one host, with what
 * this codebase needs and it lacks. Every client in the process shares one store, whatever the
 * URL's name. Where it differs from a Redis server:
 *
 * - Lua: the session store's scripts run as TypeScript ports (session-scripts-in-process.ts), one
 *   at a time across the process, so they never interleave with each other; but each is a series
 *   of commands, and a plain command can run between two of them and see a script half-done.
 *   Other scripts (defineCommand, EVAL) run in ioredis-mock's Lua: no cjson, 32-bit integers
 *   (rate-limiter-flexible's script works there).
 * - Streams are this module's own (ioredis-mock's lack consumer groups): XADD, XRANGE, XREVRANGE,
 *   XLEN, XREAD, XGROUP, XREADGROUP, XACK, XAUTOCLAIM and XPENDING. `MAXLEN ~` trims exactly.
 * - A command on a key of the wrong type does not always fail with WRONGTYPE.
 * - There is no outage: `status` is 'ready' until quit() or disconnect(), then 'end' for good
 *   (disconnect(true) does not reconnect). Nothing is kept when the process ends.
 */

/** ioredis-mock shares data between the clients of one host and port: the process's store. */
const STORE = { host: 'in-process.tradesage.invalid', port: 6379 };

const SILENT_ONCE_CLOSED = new Set<string | symbol>([
  'connect',
  'ready',
  'message',
  'messageBuffer',
  'pmessage',
  'pmessageBuffer',
]);

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const CLOSED = 'Connection is closed.';

/** ioredis-mock's insides that this module works with (its typings show only ioredis's API). */
interface MockData {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  has(key: string): boolean;
  delete(key: string): void;
  keys(): string[];
  clear(): void;
}

interface MockInternals {
  connected: boolean;
  subscriberMode: boolean;
  /** Commands that pipelines and MULTI take over from the client. */
  customCommands: Record<string, unknown>;
  data: MockData;
  expires: { delete(key: string): void };
  context: {
    channels: EventEmitter;
    patternChannels: EventEmitter;
    modifiedKeyEvents: EventEmitter;
  };
}

type ScriptCommand = (key: string, ...args: (string | number)[]) => Promise<string | number>;

/** Whether `redis` is the in-process Redis of the embedded mode. */
export function isInProcessRedis(redis: Redis): redis is InProcessRedis {
  return redis instanceof InProcessRedis;
}

export class InProcessRedis extends RedisMock {
  override status: Redis['status'] = 'ready';

  declare readonly tsSessionCreate: ScriptCommand;
  declare readonly tsSessionTouch: ScriptCommand;
  declare readonly tsSessionRotate: ScriptCommand;
  declare readonly tsSessionEnd: ScriptCommand;
  declare readonly tsSessionEndUser: ScriptCommand;
  declare readonly tsSessionSweep: ScriptCommand;

  /** Blocked stream reads of this client, each cancelled (rejected) when it closes. */
  readonly #blocked = new Set<() => void>();

  constructor(options: RedisOptions = {}) {
    // Always connected; and closed for good once closed (no offline queue to wait in).
    super({ ...options, ...STORE, lazyConnect: false, enableOfflineQueue: false });
    const mock = this.mock;
    // Every client listens on these shared emitters: a process has more than ten clients.
    const { channels, patternChannels, modifiedKeyEvents } = mock.context;
    for (const emitter of [channels, patternChannels, modifiedKeyEvents])
      emitter.setMaxListeners(0);
    mock.data = withoutEmptyCollections(mock.data, mock.expires);
    startExpiring(mock.data);

    const type = this.type.bind(this);
    const commands: Record<string, (args: string[]) => unknown> = {
      zadd: (args) => zadd(mock.data, args),
      type: ([key]) => (streamOf(mock.data, key, false) ? 'stream' : type(key)),
      xadd: (args) => xadd(mock.data, args),
      xlen: ([key]) => streamOf(mock.data, key)?.entries.length ?? 0,
      xrange: (args) => xrange(mock.data, args, false),
      xrevrange: (args) => xrange(mock.data, args, true),
      xread: (args) => this.readStreams(args),
      xgroup: (args) => xgroup(mock.data, args),
      xreadgroup: (args) => this.readGroup(args),
      xack: (args) => xack(mock.data, args),
      xautoclaim: (args) => xautoclaim(mock.data, args),
      xpending: (args) => xpending(mock.data, args),
    };
    for (const [name, script] of Object.entries(IN_PROCESS_SESSION_SCRIPTS))
      commands[name] = ([key, ...args]) =>
        oneScriptAtATime(() => script(scriptClient(), key, args));
    for (const [name, run] of Object.entries(commands)) this.install(name, run);
  }

  /** A client of the same store (ioredis-mock's own would lack everything added here). */
  override duplicate(override: Partial<RedisOptions> = {}): InProcessRedis {
    return new InProcessRedis({ ...this.options, ...override });
  }

  /** Closes for good, as ioredis does: 'close' and 'end', and blocked reads fail. */
  override disconnect(): void {
    if (this.status === 'end') return;
    this.status = 'end';
    // ioredis-mock forgets the subscriptions but keeps delivering them: drop them properly.
    this.unsubscribe().catch(() => undefined);
    this.punsubscribe().catch(() => undefined);
    for (const cancel of [...this.#blocked]) cancel();
    this.mock.connected = false;
    process.nextTick(() => this.emit('close'));
    super.disconnect(); // emits 'end' on the next tick
  }

  /**
   * ioredis-mock emits 'connect' and 'ready' a tick after creation, and each message a tick after
   * it was published: a client closed meanwhile must not (ioredis hears nothing once closed).
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this.status === 'end' && SILENT_ONCE_CLOSED.has(event)) return false;
    return super.emit(event, ...args);
  }

  private get mock(): MockInternals {
    return this as unknown as MockInternals;
  }

  /**
   * Makes `run` the client's command `name`, replacing ioredis-mock's: arguments flattened and
   * made strings as ioredis sends them, the reply a promise, and pipelines and MULTI use it too.
   */
  private install(name: string, run: (args: string[]) => unknown): void {
    const command = (...input: unknown[]): Promise<unknown> => {
      const callback =
        typeof input.at(-1) === 'function'
          ? (input.pop() as (error: unknown, reply?: unknown) => void)
          : undefined;
      const reply = new Promise((resolve) => {
        if (this.status === 'end') throw new Error(CLOSED);
        if (this.mock.subscriberMode)
          throw new Error('Connection in subscriber mode, only subscriber commands may be used');
        resolve(run(input.flat().map(String)));
      });
      if (callback)
        reply.then(
          (value) => callback(null, value),
          (error: unknown) => callback(error),
        );
      return reply;
    };
    (this as unknown as Record<string, unknown>)[name] = command;
    this.mock.customCommands[name] = command;
  }

  /** XREAD [COUNT n] [BLOCK ms] STREAMS key… id…: `$` is the last entry when called. */
  private readStreams(args: string[]): unknown {
    const { count, block, streams } = readOptions(args, 0);
    const data = this.mock.data;
    const after = streams.map(
      ([key, id]) =>
        [key, id === '$' ? (streamOf(data, key)?.last ?? ZERO) : parseId(id, 0)] as const,
    );
    const read = () => {
      const reply = after.flatMap(([key, from]) => {
        const entries = (streamOf(data, key)?.entries ?? [])
          .filter((entry) => compareIds(entry.id, from) > 0)
          .slice(0, count);
        return entries.length > 0 ? [[key, entries.map(entryReply)]] : [];
      });
      return reply.length > 0 ? reply : null;
    };
    const reply = read();
    if (reply !== null || block === undefined) return reply;
    return this.blockOn(
      streams.map(([key]) => key),
      block,
      read,
    );
  }

  /**
   * XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key… id…: `>` delivers
   * entries the group has not seen (each into the pending list of this consumer), any other id
   * re-reads this consumer's pending entries after it. Only a read of new entries blocks.
   */
  private readGroup(args: string[]): unknown {
    if (args[0]?.toUpperCase() !== 'GROUP' || args.length < 3) throw new Error('ERR syntax error');
    const [, groupName, consumer] = args;
    const { count, block, noAck, streams } = readOptions(args, 3);
    const data = this.mock.data;
    const read = () => {
      const groups = streams.map(([key, id]) => {
        const stream = streamOf(data, key);
        const group = stream?.groups.get(groupName);
        if (!stream || !group)
          throw new Error(
            `NOGROUP No such key '${key}' or consumer group '${groupName}' in XREADGROUP with GROUP option`,
          );
        group.consumers.add(consumer);
        return { key, id, stream, group };
      });
      const now = Date.now();
      const reply: [string, unknown[]][] = [];
      for (const { key, id, stream, group } of groups) {
        if (id === '>') {
          const entries = stream.entries
            .filter((entry) => compareIds(entry.id, group.lastDelivered) > 0)
            .slice(0, count);
          if (entries.length === 0) continue;
          group.lastDelivered = entries[entries.length - 1].id;
          if (!noAck)
            for (const entry of entries)
              group.pending.set(formatId(entry.id), {
                id: entry.id,
                consumer,
                deliveredAt: now,
                deliveries: 1,
              });
          reply.push([key, entries.map(entryReply)]);
        } else {
          const after = parseId(id, 0);
          const pending = pendingInOrder(group)
            .filter((entry) => entry.consumer === consumer && compareIds(entry.id, after) > 0)
            .slice(0, count);
          for (const entry of pending) {
            entry.deliveredAt = now;
            entry.deliveries += 1;
          }
          reply.push([
            key,
            pending.map((entry) => [formatId(entry.id), fieldsOf(stream, entry.id)]),
          ]);
        }
      }
      return reply.length > 0 ? reply : null;
    };
    const reply = read();
    if (reply !== null || block === undefined || streams.some(([, id]) => id !== '>')) return reply;
    return this.blockOn(
      streams.map(([key]) => key),
      block,
      read,
    );
  }

  /**
   * Waits until `read` finds something after an entry is added to one of `keys` (null after
   * `ms`; 0: no limit). Woken readers read in the order they blocked, as Redis serves them.
   */
  private blockOn<T>(keys: string[], ms: number, read: () => T | null): Promise<T | null> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        for (const key of keys) {
          const readers = blockedReaders.get(key);
          readers?.delete(wake);
          if (readers?.size === 0) blockedReaders.delete(key);
        }
        clearTimeout(timer);
        this.#blocked.delete(cancel);
      };
      const wake = () => {
        try {
          const reply = read();
          if (reply === null) return;
          done();
          resolve(reply);
        } catch (error) {
          done();
          reject(error as Error);
        }
      };
      const cancel = () => {
        done();
        reject(new Error(CLOSED));
      };
      for (const key of keys) {
        if (!blockedReaders.has(key)) blockedReaders.set(key, new Set());
        blockedReaders.get(key)!.add(wake);
      }
      this.#blocked.add(cancel);
      if (ms > 0)
        timer = setTimeout(() => {
          done();
          resolve(null);
        }, ms);
    });
  }
}

let scripts: Promise<unknown> = Promise.resolve();

/** Scripts run one after another, across the process: Redis never interleaves two scripts. */
function oneScriptAtATime<T>(script: () => Promise<T>): Promise<T> {
  const result = scripts.then(script);
  scripts = result.catch(() => undefined);
  return result;
}

let scriptRunner: InProcessRedis | undefined;

/**
 * The client the scripts' commands go through: never closed, so that a script that started
 * finishes even if the client that called it closes meanwhile, as on a Redis server.
 */
function scriptClient(): InProcessRedis {
  scriptRunner ??= new InProcessRedis();
  return scriptRunner;
}

let expiring = false;

/**
 * ioredis-mock drops an expired key only when it is next read; Redis also expires keys no one
 * reads. A periodic pass does that here, so that keys nobody reads again do not pile up.
 */
function startExpiring(data: MockData): void {
  if (expiring) return;
  expiring = true;
  setInterval(() => data.keys(), 10_000).unref();
}

// ---------------------------------------------------------------------------------------------
// Empty collections

/**
 * Redis deletes a hash, list, set or sorted set when its last element goes, and its expiry with
 * it; ioredis-mock keeps it, empty. This view of its data treats an empty one as absent and
 * deletes it once the command that emptied it is over (commands make a key empty, then fill it).
 */
function withoutEmptyCollections(data: MockData, expires: MockInternals['expires']): MockData {
  const view: MockData = {
    get: (key) => data.get(key),
    has: (key) => data.has(key) && !isEmptyCollection(data.get(key)),
    set(key, value) {
      data.set(key, value);
      if (!isEmptyCollection(value)) return;
      expires.delete(key);
      queueMicrotask(() => {
        if (data.has(key) && isEmptyCollection(data.get(key))) data.delete(key);
      });
    },
    delete: (key) => data.delete(key),
    // Also drops expired keys, which ioredis-mock would still list.
    keys: () => data.keys().filter((key) => view.has(key)),
    clear: () => data.clear(),
  };
  return view;
}

function isEmptyCollection(value: unknown): boolean {
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || STREAM in value)
    return false;
  return Object.keys(value).length === 0;
}

// ---------------------------------------------------------------------------------------------
// ZADD with all its flags

interface ZMember {
  score: number;
  value: string;
}

const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member…, on ioredis-mock's sorted sets. */
function zadd(data: MockData, [key, ...args]: string[]): number | string | null {
  if (args.length < 2) throw new Error("ERR wrong number of arguments for 'zadd' command");
  const flags = new Set<string>();
  while (args.length > 0 && ZADD_FLAGS.has(args[0].toUpperCase()))
    flags.add(args.shift()!.toUpperCase());
  const [nx, xx, gt, lt, ch, incr] = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].map((flag) =>
    flags.has(flag),
  );
  if (args.length === 0 || args.length % 2 !== 0) throw new Error('ERR syntax error');
  if (nx && xx) throw new Error('ERR XX and NX options at the same time are not compatible');
  if ((gt && lt) || (nx && (gt || lt)))
    throw new Error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && args.length > 2)
    throw new Error('ERR INCR option supports a single increment-element pair');
  const pairs: [number, string][] = [];
  for (let i = 0; i < args.length; i += 2) pairs.push([parseScore(args[i]), args[i + 1]]);

  const current = data.has(key) ? data.get(key) : new Map<string, ZMember>();
  if (!(current instanceof Map)) throw new Error(WRONGTYPE);
  const members = current as Map<string, ZMember>;
  let added = 0;
  let changed = 0;
  let result: number | null = null;
  for (const [score, member] of pairs) {
    const existing = members.get(member);
    if (!existing) {
      if (xx) continue;
      members.set(member, { score, value: member });
      added += 1;
      result = score;
      continue;
    }
    if (nx) continue;
    const next = incr ? existing.score + score : score;
    if (Number.isNaN(next)) throw new Error('ERR resulting score is not a number (NaN)');
    if ((gt && next <= existing.score) || (lt && next >= existing.score)) continue;
    result = next;
    if (next === existing.score) continue;
    members.set(member, { score: next, value: member });
    changed += 1;
  }
  if (added + changed > 0) data.set(key, members);
  if (incr) return result === null ? null : formatScore(result);
  return ch ? added + changed : added;
}

function parseScore(text: string): number {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const score = Number(text);
  if (text.trim() === '' || Number.isNaN(score)) throw new Error('ERR value is not a valid float');
  return score;
}

function formatScore(score: number): string {
  return Number.isFinite(score) ? String(score) : score > 0 ? 'inf' : '-inf';
}

// ---------------------------------------------------------------------------------------------
// Streams with consumer groups

const STREAM = Symbol('stream');

interface StreamId {
  ms: number;
  seq: number;
}

interface StreamEntry {
  id: StreamId;
  fields: string[];
}

interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface ConsumerGroup {
  lastDelivered: StreamId;
  /** The pending entries list, by formatted id. */
  pending: Map<string, PendingEntry>;
  consumers: Set<string>;
}

interface Stream {
  /** In id order (ids only grow). */
  entries: StreamEntry[];
  /** The greatest id ever added, even if trimmed since. */
  last: StreamId;
  groups: Map<string, ConsumerGroup>;
}

/** How a stream is stored in ioredis-mock's data (which copies a plain object on every read). */
interface StoredStream {
  [STREAM]: Stream;
}

const ZERO: StreamId = { ms: 0, seq: 0 };
const MAX_ID: StreamId = { ms: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER };

/** Stream reads blocked on each key, woken after each entry added to it. */
const blockedReaders = new Map<string, Set<() => void>>();

function wakeReaders(key: string): void {
  for (const wake of [...(blockedReaders.get(key) ?? [])]) wake();
}

function streamOf(data: MockData, key: string, strict = true): Stream | undefined {
  if (!data.has(key)) return undefined;
  const value = data.get(key);
  if (typeof value === 'object' && value !== null && STREAM in value)
    return (value as StoredStream)[STREAM];
  if (strict) throw new Error(WRONGTYPE);
  return undefined;
}

function createStream(data: MockData, key: string): Stream {
  const stream: Stream = { entries: [], last: ZERO, groups: new Map() };
  data.set(key, { [STREAM]: stream } satisfies StoredStream);
  return stream;
}

function compareIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

function parseId(text: string, missingSeq: number): StreamId {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error('ERR Invalid stream ID specified as stream command argument');
  return { ms: Number(match[1]), seq: match[2] === undefined ? missingSeq : Number(match[2]) };
}

/** A range's start or end: `-`, `+`, an id (without its sequence: all of that ms), `(` excludes. */
function rangeBound(text: string, side: 'start' | 'end'): StreamId {
  if (text === '-') return ZERO;
  if (text === '+') return MAX_ID;
  const exclusive = text.startsWith('(');
  const id = parseId(exclusive ? text.slice(1) : text, side === 'start' ? 0 : MAX_ID.seq);
  if (!exclusive) return id;
  if (side === 'start')
    return id.seq === MAX_ID.seq ? { ms: id.ms + 1, seq: 0 } : { ms: id.ms, seq: id.seq + 1 };
  return id.seq === 0 ? { ms: id.ms - 1, seq: MAX_ID.seq } : { ms: id.ms, seq: id.seq - 1 };
}

function entryReply(entry: StreamEntry): [string, string[]] {
  return [formatId(entry.id), [...entry.fields]];
}

function fieldsOf(stream: Stream, id: StreamId): string[] | null {
  const entry = stream.entries.find((candidate) => compareIds(candidate.id, id) === 0);
  return entry ? [...entry.fields] : null;
}

function pendingInOrder(group: ConsumerGroup): PendingEntry[] {
  return [...group.pending.values()].sort((a, b) => compareIds(a.id, b.id));
}

function groupOf(data: MockData, key: string, name: string): ConsumerGroup {
  const group = streamOf(data, key)?.groups.get(name);
  if (!group) throw new Error(`NOGROUP No such key '${key}' or consumer group '${name}'`);
  return group;
}

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT n]] *|id field value… */
function xadd(data: MockData, [key, ...args]: string[]): string | null {
  let noMkStream = false;
  let trim: { by: 'MAXLEN' | 'MINID'; threshold: string } | undefined;
  for (;;) {
    const option = args[0]?.toUpperCase();
    if (option === 'NOMKSTREAM') {
      noMkStream = true;
      args.shift();
    } else if (option === 'MAXLEN' || option === 'MINID') {
      args.shift();
      if (args[0] === '~' || args[0] === '=') args.shift();
      trim = { by: option, threshold: args.shift() ?? '' };
      if (args[0]?.toUpperCase() === 'LIMIT') args.splice(0, 2);
    } else break;
  }
  const [idArg, ...fields] = args;
  if (idArg === undefined || fields.length === 0 || fields.length % 2 !== 0)
    throw new Error("ERR wrong number of arguments for 'xadd' command");
  if (trim?.by === 'MAXLEN' && !/^\d+$/.test(trim.threshold))
    throw new Error('ERR value is not an integer or out of range');
  const minId = trim?.by === 'MINID' ? parseId(trim.threshold, 0) : undefined;
  const existing = streamOf(data, key);
  if (!existing && noMkStream) return null;
  const id = nextId(idArg, existing?.last ?? ZERO);
  const stream = existing ?? createStream(data, key);
  stream.entries.push({ id, fields });
  stream.last = id;
  // Trimmed exactly, also for `~` (Redis may keep a few more there; never fewer).
  if (minId) stream.entries = stream.entries.filter((entry) => compareIds(entry.id, minId) >= 0);
  else if (trim)
    stream.entries.splice(0, Math.max(0, stream.entries.length - Number(trim.threshold)));
  wakeReaders(key);
  return formatId(id);
}

function nextId(text: string, last: StreamId): StreamId {
  if (text === '*') {
    const ms = Date.now();
    return ms > last.ms ? { ms, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
  }
  const partial = /^(\d+)-\*$/.exec(text);
  const id = partial
    ? Number(partial[1]) === last.ms
      ? { ms: last.ms, seq: last.seq + 1 }
      : { ms: Number(partial[1]), seq: 0 }
    : parseId(text, 0);
  if (compareIds(id, ZERO) === 0)
    throw new Error('ERR The ID specified in XADD must be greater than 0-0');
  if (compareIds(id, last) <= 0)
    throw new Error(
      'ERR The ID specified in XADD is equal or smaller than the target stream top item',
    );
  return id;
}

/** XRANGE key start end [COUNT n], or XREVRANGE key end start [COUNT n]. */
function xrange(data: MockData, args: string[], reverse: boolean): [string, string[]][] {
  const [key, first, second, countWord, countArg] = args;
  if (second === undefined) throw new Error(`ERR wrong number of arguments`);
  const [start, end] = reverse
    ? [rangeBound(second, 'start'), rangeBound(first, 'end')]
    : [rangeBound(first, 'start'), rangeBound(second, 'end')];
  let count = Infinity;
  if (countWord !== undefined) {
    if (countWord.toUpperCase() !== 'COUNT' || countArg === undefined)
      throw new Error('ERR syntax error');
    count = Math.max(0, Number(countArg));
  }
  const entries = (streamOf(data, key)?.entries ?? []).filter(
    (entry) => compareIds(entry.id, start) >= 0 && compareIds(entry.id, end) <= 0,
  );
  if (reverse) entries.reverse();
  return entries.slice(0, count).map(entryReply);
}

/** The options of XREAD and XREADGROUP from `from`, up to STREAMS key… id…. */
function readOptions(args: string[], from: number) {
  let count = Infinity;
  let block: number | undefined;
  let noAck = false;
  let i = from;
  for (; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'STREAMS') break;
    if (option === 'COUNT') count = Number(args[++i]) || Infinity;
    else if (option === 'BLOCK') block = Number(args[++i]);
    else if (option === 'NOACK') noAck = true;
    else throw new Error('ERR syntax error');
  }
  const rest = args.slice(i + 1);
  if (i === args.length || rest.length === 0 || rest.length % 2 !== 0)
    throw new Error(
      "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.",
    );
  if (block !== undefined && (!Number.isInteger(block) || block < 0))
    throw new Error('ERR timeout is negative');
  const half = rest.length / 2;
  const streams = rest.slice(0, half).map((key, index) => [key, rest[half + index]] as const);
  return { count, block, noAck, streams };
}

/** XGROUP CREATE|DESTROY|SETID|CREATECONSUMER|DELCONSUMER key group …. */
function xgroup(data: MockData, [subcommand = '', key, name, arg, ...options]: string[]): unknown {
  const sub = subcommand.toUpperCase();
  if (!['CREATE', 'DESTROY', 'SETID', 'CREATECONSUMER', 'DELCONSUMER'].includes(sub))
    throw new Error(`ERR unknown subcommand '${subcommand}'. Try XGROUP HELP.`);
  const existing = streamOf(data, key);
  const makeStream =
    sub === 'CREATE' && options.some((option) => option.toUpperCase() === 'MKSTREAM');
  if (!existing && !makeStream)
    throw new Error(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
  const startAt = (id: string) => (id === '$' ? (existing?.last ?? ZERO) : parseId(id, 0));
  if (sub === 'CREATE') {
    if (existing?.groups.has(name)) throw new Error('BUSYGROUP Consumer Group name already exists');
    const lastDelivered = startAt(arg);
    const stream = existing ?? createStream(data, key);
    stream.groups.set(name, { lastDelivered, pending: new Map(), consumers: new Set() });
    return 'OK';
  }
  const stream = existing!;
  if (sub === 'DESTROY') {
    const destroyed = stream.groups.delete(name);
    wakeReaders(key); // a read blocked on the group fails, as in Redis
    return destroyed ? 1 : 0;
  }
  const group = stream.groups.get(name);
  if (!group) throw new Error(`NOGROUP No such consumer group '${name}' for key name '${key}'`);
  if (sub === 'SETID') {
    group.lastDelivered = startAt(arg);
    return 'OK';
  }
  if (sub === 'CREATECONSUMER') {
    if (group.consumers.has(arg)) return 0;
    group.consumers.add(arg);
    return 1;
  }
  group.consumers.delete(arg);
  let dropped = 0;
  for (const [id, entry] of group.pending)
    if (entry.consumer === arg) {
      group.pending.delete(id);
      dropped += 1;
    }
  return dropped;
}

/** XACK key group id…: how many of them were pending. */
function xack(data: MockData, [key, name, ...ids]: string[]): number {
  for (const id of ids) parseId(id, 0);
  const group = streamOf(data, key)?.groups.get(name);
  if (!group) return 0;
  return ids.filter((id) => group.pending.delete(formatId(parseId(id, 0)))).length;
}

/**
 * XAUTOCLAIM key group consumer min-idle-ms start [COUNT n] [JUSTID]: pending entries idle that
 * long, from `start`, become this consumer's (delivered again, unless JUSTID). Replies the cursor
 * for the next call (0-0: the end), the entries, and the ids of entries gone from the stream
 * (which leave the pending list).
 */
function xautoclaim(data: MockData, args: string[]): [string, unknown[], string[]] {
  const [key, name, consumer, minIdleArg, startArg, ...options] = args;
  if (startArg === undefined)
    throw new Error("ERR wrong number of arguments for 'xautoclaim' command");
  let count = 100;
  let justId = false;
  for (let i = 0; i < options.length; i++) {
    const option = options[i].toUpperCase();
    if (option === 'COUNT') count = Number(options[++i]);
    else if (option === 'JUSTID') justId = true;
    else throw new Error('ERR syntax error');
  }
  if (!Number.isInteger(count) || count < 1) throw new Error('ERR COUNT must be > 0');
  const minIdle = Math.max(0, Number(minIdleArg));
  const start = rangeBound(startArg, 'start');
  const stream = streamOf(data, key);
  const group = groupOf(data, key, name);
  group.consumers.add(consumer);
  const now = Date.now();
  const candidates = pendingInOrder(group).filter((entry) => compareIds(entry.id, start) >= 0);
  const claimed: unknown[] = [];
  const deleted: string[] = [];
  let attempts = count * 10;
  let i = 0;
  for (; i < candidates.length && attempts > 0 && claimed.length < count; i++, attempts--) {
    const entry = candidates[i];
    const id = formatId(entry.id);
    const fields = fieldsOf(stream!, entry.id);
    if (!fields) {
      group.pending.delete(id);
      deleted.push(id);
      continue;
    }
    if (now - entry.deliveredAt < minIdle) continue;
    entry.consumer = consumer;
    if (!justId) {
      entry.deliveredAt = now;
      entry.deliveries += 1;
    }
    claimed.push(justId ? id : [id, fields]);
  }
  const next = i < candidates.length ? formatId(candidates[i].id) : '0-0';
  return [next, claimed, deleted];
}

/**
 * XPENDING key group: [count, smallest id, greatest id, [[consumer, count]…]]. With
 * [IDLE ms] start end count [consumer]: [[id, consumer, idle ms, deliveries]…].
 */
function xpending(data: MockData, [key, name, ...args]: string[]): unknown {
  const group = groupOf(data, key, name);
  const pending = pendingInOrder(group);
  if (args.length === 0) {
    if (pending.length === 0) return [0, null, null, null];
    const perConsumer = new Map<string, number>();
    for (const entry of pending)
      perConsumer.set(entry.consumer, (perConsumer.get(entry.consumer) ?? 0) + 1);
    return [
      pending.length,
      formatId(pending[0].id),
      formatId(pending[pending.length - 1].id),
      [...perConsumer].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => [c, String(n)]),
    ];
  }
  let minIdle = 0;
  if (args[0].toUpperCase() === 'IDLE') {
    minIdle = Number(args[1]);
    args = args.slice(2);
  }
  const [startArg, endArg, countArg, consumer] = args;
  if (countArg === undefined) throw new Error('ERR syntax error');
  const start = rangeBound(startArg, 'start');
  const end = rangeBound(endArg, 'end');
  const now = Date.now();
  return pending
    .filter(
      (entry) =>
        compareIds(entry.id, start) >= 0 &&
        compareIds(entry.id, end) <= 0 &&
        now - entry.deliveredAt >= minIdle &&
        (consumer === undefined || entry.consumer === consumer),
    )
    .slice(0, Math.max(0, Number(countArg)))
    .map((entry) => [
      formatId(entry.id),
      entry.consumer,
      now - entry.deliveredAt,
      entry.deliveries,
    ]);
}

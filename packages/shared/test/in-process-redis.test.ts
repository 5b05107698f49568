/**
 * The in-process Redis of the embedded mode: what it adds to ioredis-mock, and that it answers
 * as the Redis server does: the same operations run on both, and their replies are compared.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  closeRedis,
  createRedis,
  EventBus,
  InProcessRedis,
  isInProcessRedis,
  redisAway,
} from '../src';
import { SESSION_SCRIPTS, type SessionScript } from '../src/session-scripts';
import { createTestRedis, TEST_REDIS_CLIENTS, uniqueName, until, type TestRedis } from '../testing';

const log = pino({ level: 'silent' });
const MEMORY = { REDIS_URL: 'memory://tradesage' };

/** Runs the same operations on the Redis server and on the in-process Redis, with one prefix. */
async function onBoth<T>(
  name: string,
  run: (redis: Redis, prefix: string) => Promise<T>,
): Promise<{ server: T; inProcess: T }> {
  const server = createTestRedis(name);
  const local = createTestRedis(name, 'in-process', server.prefix);
  try {
    return {
      server: await run(server.redis, server.prefix),
      inProcess: await run(local.redis, local.prefix),
    };
  } finally {
    await server.close();
    await local.close();
  }
}

/** A reply, or the error's message: what is compared. */
async function outcome(reply: Promise<unknown>): Promise<unknown> {
  return reply.then(
    (value) => ({ reply: value }),
    (error: Error) => ({ error: error.message }),
  );
}

/** Calls a command by name with any arguments (ioredis's typings take each form separately). */
const command = (redis: Redis, name: string, ...args: (string | number)[]): Promise<unknown> =>
  (redis as any)[name](...args);

describe('the connection', () => {
  test("is 'ready' while open and 'end' once closed, as ioredis reports it", async () => {
    const redis = createRedis(MEMORY, log);
    expect(isInProcessRedis(redis)).toBe(true);
    await once(redis, 'ready');
    expect(redis.status).toBe('ready');
    expect(redisAway(redis)).toBe(false);
    expect(await redis.ping()).toBe('PONG');

    const closed = Promise.all([once(redis, 'close'), once(redis, 'end')]);
    await closeRedis(redis);
    await closed;
    expect(redis.status).toBe('end');
    expect(redisAway(redis)).toBe(true);
    await expect(redis.ping()).rejects.toThrow();
    await expect(redis.zadd('k', 1, 'm')).rejects.toThrow('Connection is closed.');
    // Closing again does nothing.
    await closeRedis(redis);
    expect(redis.status).toBe('end');
  });

  test('disconnect() closes it too; one closed at once never says it is ready', async () => {
    const redis = new InProcessRedis();
    let ready = false;
    redis.on('ready', () => (ready = true));
    redis.disconnect();
    await once(redis, 'end');
    expect(redis.status).toBe('end');
    expect(ready).toBe(false);
  });

  test('a client of a Redis server is not in-process', () => {
    const redis = new Redis({ lazyConnect: true });
    expect(isInProcessRedis(redis)).toBe(false);
    redis.disconnect();
  });
});

describe('one store for the process', () => {
  test('every client sees the same keys, messages and streams', async () => {
    const prefix = `${uniqueName('shared')}:`;
    const a = createRedis(MEMORY, log);
    const b = new InProcessRedis();
    const c = b.duplicate();
    try {
      expect(isInProcessRedis(c)).toBe(true);
      expect(await a.set(`${prefix}k`, 'v', 'EX', 60, 'NX')).toBe('OK');
      expect(await b.get(`${prefix}k`)).toBe('v');
      expect(await c.set(`${prefix}k`, 'w', 'EX', 60, 'NX')).toBeNull();
      expect(await c.getdel(`${prefix}k`)).toBe('v');
      expect(await a.exists(`${prefix}k`)).toBe(0);

      const heard: string[] = [];
      c.on('message', (channel: string, message: string) => heard.push(`${channel} ${message}`));
      await c.subscribe(`${prefix}channel`);
      expect(await a.publish(`${prefix}channel`, 'hello')).toBe(1);
      await until(() => heard.length > 0, 'the message');
      expect(heard).toEqual([`${prefix}channel hello`]);

      const id = await a.xadd(`${prefix}stream`, '*', 'field', 'value');
      expect(await b.xrange(`${prefix}stream`, '-', '+')).toEqual([[id, ['field', 'value']]]);
      expect(await b.xlen(`${prefix}stream`)).toBe(1);
      expect(await b.type(`${prefix}stream`)).toBe('stream');
    } finally {
      await a.del(`${prefix}stream`);
      for (const client of [a, b, c]) client.disconnect();
    }
  });

  test('an event bus on it hears what another client of the process publishes', async () => {
    const prefix = `${uniqueName('bus')}:`;
    const redis = createRedis(MEMORY, log);
    const other = createRedis(MEMORY, log);
    const bus = new EventBus(redis, prefix, log);
    const heard: string[] = [];
    let deaf = 0;
    bus.onDeaf(() => deaf++);
    try {
      await bus.subscribe('session.revoked', (event) => heard.push(event.sessionId));
      expect(bus.listening).toBe(true);
      await new EventBus(other, prefix, log).publish('session.revoked', {
        tenantId: 't',
        sessionId: 's-1',
        userId: 'u',
        reason: 'LOGOUT',
      });
      await until(() => heard.length > 0, 'the event');
      expect(heard).toEqual(['s-1']);
      await bus.close();
      await until(() => !bus.listening, 'deaf');
      expect(deaf).toBe(1);
    } finally {
      await bus.close();
      redis.disconnect();
      other.disconnect();
    }
  });
});

test('an emptied hash, list or sorted set is gone with its expiry, as in Redis', async () => {
  const { server, inProcess } = await onBoth('empty', async (redis, prefix) => {
    const key = (name: string) => `${prefix}${name}`;
    const seen: unknown[] = [];
    await redis.zadd(key('z'), 1, 'a');
    await redis.pexpire(key('z'), 60_000);
    seen.push(await redis.zrem(key('z'), 'a'), await redis.exists(key('z')));
    seen.push(await redis.type(key('z')), await redis.keys(`${prefix}*`));
    await redis.zadd(key('z'), 2, 'b');
    seen.push(await redis.pttl(key('z')));
    await redis.hset(key('h'), 'f', 'v');
    await redis.hdel(key('h'), 'f');
    seen.push(await redis.exists(key('h')));
    await redis.rpush(key('l'), 'x');
    await redis.pexpire(key('l'), 60_000);
    await redis.ltrim(key('l'), 1, 0);
    seen.push(await redis.exists(key('l')), await redis.pttl(key('l')));
    await redis.rpush(key('l'), 'y');
    seen.push(await redis.pttl(key('l')), (await redis.keys(`${prefix}*`)).sort());
    return seen;
  });
  expect(inProcess).toEqual(server);
});

const ZADD_STEPS: (string | number)[][] = [
  ['NX', 1, 'a'],
  ['NX', 2, 'a'],
  ['XX', 3, 'b'],
  ['XX', 4, 'a'],
  ['GT', 3, 'a'],
  ['GT', 5, 'a'],
  ['LT', 6, 'a'],
  ['LT', 2, 'a'],
  ['GT', 'CH', 9, 'a', 1, 'c'],
  ['LT', 'CH', 1, 'a', 0, 'c', 7, 'd'],
  ['CH', 1, 'a', 2, 'c'],
  ['XX', 'GT', 'CH', 10, 'a', 10, 'e'],
  ['NX', 'INCR', 1, 'a'],
  ['INCR', 5, 'f'],
  ['GT', 'INCR', -1, 'a'],
  ['LT', 'INCR', -1, 'a'],
  ['XX', 'INCR', 1, 'g'],
  ['NX', 'XX', 1, 'a'],
  ['GT', 'LT', 1, 'a'],
  ['NX', 'GT', 1, 'a'],
  ['INCR', 1, 'a', 2, 'b'],
  [1],
  ['x', 'a'],
];

test('ZADD with NX, XX, GT, LT, CH and INCR answers as Redis does', async () => {
  const { server, inProcess } = await onBoth('zadd', async (redis, prefix) => {
    const replies: unknown[] = [];
    for (const step of ZADD_STEPS)
      replies.push(await outcome(command(redis, 'zadd', `${prefix}z`, ...step)));
    replies.push(await redis.zrange(`${prefix}z`, 0, -1, 'WITHSCORES'));
    replies.push(
      await outcome(redis.zadd(`${prefix}none`, 'XX', 1, 'a')),
      await redis.exists(`${prefix}none`),
    );
    return replies;
  });
  expect(inProcess).toEqual(server);
  // What the session store relies on: LT only lowers, GT only raises, XX never adds.
  expect(server.slice(4, 8)).toEqual([{ reply: 0 }, { reply: 0 }, { reply: 0 }, { reply: 0 }]);
  expect(server.slice(8, 10)).toEqual([{ reply: 2 }, { reply: 3 }]);
});

describe.each(TEST_REDIS_CLIENTS)('consumer groups on %s', (_client, connect) => {
  let testRedis: TestRedis;
  let redis: Redis;
  let key: string;
  const others: Redis[] = [];
  const another = () => {
    const client = redis.duplicate();
    others.push(client);
    return client;
  };

  beforeEach(async () => {
    testRedis = connect('groups');
    redis = testRedis.redis;
    key = `${testRedis.prefix}stream`;
    await redis.xgroup('CREATE', key, 'group', '0', 'MKSTREAM');
  });

  afterEach(async () => {
    // Not twice: ioredis would wait two seconds for a socket that is long closed.
    for (const client of others.splice(0)) if (client.status !== 'end') client.disconnect();
    await testRedis.close();
  });

  const readNew = (client: Redis, consumer: string, ...block: (string | number)[]) =>
    client.xreadgroup(
      'GROUP',
      'group',
      consumer,
      'COUNT',
      10,
      ...(block as ['BLOCK', number]),
      'STREAMS',
      key,
      '>',
    ) as Promise<[string, [string, string[]][]][] | null>;

  const claim = async (consumer: string, minIdleMs: number) =>
    (
      (await redis.xautoclaim(key, 'group', consumer, minIdleMs, '0', 'COUNT', 10)) as [
        string,
        [string, string[]][],
      ]
    )[1];

  test('a pending entry is delivered again by XAUTOCLAIM once idle long enough; an acknowledged one is not', async () => {
    const first = await redis.xadd(key, '*', 'n', '1');
    const second = await redis.xadd(key, '*', 'n', '2');
    const read = await readNew(redis, 'dies');
    expect(read).toEqual([
      [
        key,
        [
          [first, ['n', '1']],
          [second, ['n', '2']],
        ],
      ],
    ]);
    // Both are pending for the consumer that read them; one is handled.
    expect(await redis.xack(key, 'group', first!)).toBe(1);
    expect(await redis.xack(key, 'group', first!)).toBe(0);
    // Not idle for a minute: nobody takes it over yet.
    expect(await claim('takes-over', 60_000)).toEqual([]);
    let claimed: [string, string[]][] = [];
    await until(async () => (claimed = await claim('takes-over', 50)).length > 0, 'the claim');
    expect(claimed).toEqual([[second, ['n', '2']]]);
    const [[id, consumer, , deliveries]] = (await redis.xpending(key, 'group', '-', '+', 10)) as [
      string,
      string,
      number,
      number,
    ][];
    expect([id, consumer, deliveries]).toEqual([second, 'takes-over', 2]);
    // Nothing new for the group.
    expect(await readNew(redis, 'dies')).toBeNull();
    expect(await redis.xack(key, 'group', second!)).toBe(1);
    expect(await claim('takes-over', 0)).toEqual([]);
    expect(((await redis.xpending(key, 'group')) as [number])[0]).toBe(0);
  });

  test('a blocked read returns when an entry arrives', async () => {
    const reader = another();
    const read = readNew(reader, 'waits', 'BLOCK', 0);
    // Give the read time to block: it must not come back empty meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const id = await redis.xadd(key, '*', 'n', '1');
    expect(await read).toEqual([[key, [[id, ['n', '1']]]]]);
  });

  test('an entry goes to one of the consumers blocked in its group', async () => {
    const reads = [readNew(another(), 'one', 'BLOCK', 0), readNew(another(), 'two', 'BLOCK', 0)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const id = await redis.xadd(key, '*', 'n', '1');
    const winner = await Promise.race(reads);
    expect(winner).toEqual([[key, [[id, ['n', '1']]]]]);
    const id2 = await redis.xadd(key, '*', 'n', '2');
    const results = await Promise.all(reads);
    expect(results.flatMap((result) => result![0][1].map(([entry]) => entry)).sort()).toEqual(
      [id, id2].sort(),
    );
  });

  test('a blocked read with nothing arriving returns null; closing its client fails one', async () => {
    expect(await readNew(redis, 'waits', 'BLOCK', 50)).toBeNull();
    const reader = another();
    const read = readNew(reader, 'waits', 'BLOCK', 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    reader.disconnect();
    await expect(read).rejects.toThrow('Connection is closed.');
  });
});

test('XADD, XRANGE and the consumer-group commands answer as Redis does', async () => {
  const { server, inProcess } = await onBoth('streams', async (redis, prefix) => {
    const key = `${prefix}s`;
    const replies: unknown[] = [];
    const run = async (name: string, ...args: (string | number)[]) =>
      replies.push(await outcome(command(redis, name, ...args)));
    await run('xgroup', 'CREATE', key, 'g', '0');
    await run('xgroup', 'CREATE', key, 'g', '0', 'MKSTREAM');
    await run('xgroup', 'CREATE', key, 'g', '0', 'MKSTREAM');
    await run('xlen', key);
    await run('type', key);
    await run('xadd', key, '1-1', 'n', '1');
    await run('xadd', key, '1-2', 'n', '2');
    await run('xadd', key, '1-2', 'n', 'again');
    await run('xadd', key, '0-0', 'n', 'zero');
    await run('xadd', key, 'MAXLEN', '~', '10', '2-*', 'n', '3');
    await run('xadd', key, '3', 'n', '4', 'm', 'x');
    await run('xadd', key, 'n', '5', 'odd');
    await run('xadd', `${prefix}none`, 'NOMKSTREAM', '*', 'n', '1');
    await run('xreadgroup', 'GROUP', 'g', 'c1', 'COUNT', 2, 'STREAMS', key, '>');
    await run('xreadgroup', 'GROUP', 'g', 'c2', 'STREAMS', key, '>');
    await run('xreadgroup', 'GROUP', 'g', 'c2', 'STREAMS', key, '>');
    await run('xreadgroup', 'GROUP', 'nope', 'c2', 'STREAMS', key, '>');
    await run('xpending', key, 'g');
    await run('xack', key, 'g', '1-1', '9-9');
    await run('xack', key, 'nope', '1-2');
    await run('xreadgroup', 'GROUP', 'g', 'c1', 'STREAMS', key, '0');
    await run('xautoclaim', key, 'g', 'c3', 0, '0', 'COUNT', 1);
    await run('xautoclaim', key, 'g', 'c3', 0, '2-0', 'COUNT', 10, 'JUSTID');
    await run('xautoclaim', key, 'nope', 'c3', 0, '0');
    // The pending entries' idle times differ between runs: only their presence is compared.
    const detail = (await redis.xpending(key, 'g', '-', '+', 10)) as unknown[][];
    replies.push(detail.map(([id, consumer, idle, count]) => [id, consumer, typeof idle, count]));
    await run('xadd', key, 'MAXLEN', '1', '4-0', 'n', '5');
    await run('xautoclaim', key, 'g', 'c1', 0, '0');
    await run('xreadgroup', 'GROUP', 'g', 'c3', 'STREAMS', key, '0');
    await run('xpending', key, 'g');
    await run('xadd', key, '5-0', 'n', '6');
    await run('xadd', key, '6-0', 'n', '7');
    await run('xrange', key, '-', '+');
    await run('xrange', key, '(4-0', '6');
    await run('xrange', key, '-', '+', 'COUNT', 2);
    await run('xrevrange', key, '+', '-', 'COUNT', 2);
    await run('xrevrange', key, '5', '(4-0');
    await run('xlen', key);
    await run('xgroup', 'SETID', key, 'g', '0');
    await run('xreadgroup', 'GROUP', 'g', 'c1', 'COUNT', 1, 'STREAMS', key, '>');
    await run('xgroup', 'SETID', key, 'nope', '0');
    await run('xgroup', 'CREATECONSUMER', key, 'g', 'c9');
    await run('xgroup', 'CREATECONSUMER', key, 'g', 'c9');
    await run('xgroup', 'DELCONSUMER', key, 'g', 'c1');
    await run('xpending', key, 'g');
    await run('xgroup', 'CREATE', key, 'late', '$');
    await run('xreadgroup', 'GROUP', 'late', 'c1', 'STREAMS', key, '>');
    await run('xgroup', 'DESTROY', key, 'g');
    await run('xgroup', 'DESTROY', key, 'g');
    await run('xread', 'COUNT', 1, 'STREAMS', key, '4-0');
    await run('xread', 'STREAMS', key, `${prefix}none`, '0', '0');
    await run('type', key);
    return replies;
  });
  expect(inProcess).toEqual(server);
});

// ---------------------------------------------------------------------------------------------
// The session scripts: the TypeScript ports give what the Lua gives.

const T0 = 1_700_000_000_000;
const SCOPE = 'tenant-1';
const GRACE = 86_400_000;
const WINDOW = 86_400_000;
const PEAK_TTL = 400 * 86_400_000;
const NOT_BEFORE_TTL = 600_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** Everything under the prefix: type, value and expiry (in whole minutes, as time passes). */
async function contents(redis: Redis, prefix: string) {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  return Promise.all(
    keys.map(async (key) => {
      const type = await redis.type(key);
      const value =
        type === 'hash'
          ? await redis.hgetall(key)
          : type === 'zset'
            ? await redis.zrange(key, 0, -1, 'WITHSCORES')
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : await redis.get(key);
      const pttl = await redis.pttl(key);
      return { key, type, value, ttl: pttl < 0 ? pttl : Math.round(pttl / 60_000) };
    }),
  );
}

/** A run of every script through its outcomes, with `now` fixed so that both runs are alike. */
async function sessionScenario(redis: Redis, prefix: string) {
  if (!isInProcessRedis(redis))
    for (const [name, lua] of Object.entries(SESSION_SCRIPTS))
      redis.defineCommand(name, { numberOfKeys: 1, lua });
  const channels = `${prefix}events:`;
  const messages: [string, unknown][] = [];
  const listener = redis.duplicate();
  listener.on('pmessage', (_pattern: string, channel: string, message: string) =>
    messages.push([channel, JSON.parse(message)]),
  );
  await listener.psubscribe(`${channels}*`);

  const replies: unknown[] = [];
  const run = async (script: SessionScript, now: number, ...args: (string | number)[]) => {
    const base = `${prefix}{t:${SCOPE}}:`;
    const reply = await command(
      redis,
      script,
      `${base}sessions`,
      base,
      channels,
      now,
      iso(now),
      ...args,
    );
    replies.push(typeof reply === 'string' ? JSON.parse(reply) : reply);
  };
  const create = (
    id: string,
    userId: string,
    now: number,
    options: {
      device?: string;
      idle?: number;
      max?: number;
      policy?: string;
      authenticatedAt?: number;
    } = {},
  ) => {
    const { device = 'DESKTOP', idle = 600_000, max = 2, policy = 'evict-oldest' } = options;
    const expires = now + 3_600_000;
    const deadline = Math.min(expires, now + idle);
    const fields = {
      id,
      tenantId: SCOPE,
      userId,
      deviceType: device,
      browser: 'Firefox/120 "quoted"',
      createdAt: iso(now),
      lastSeenAt: iso(now),
      expiresAt: iso(expires),
      refreshHash: `${id}-hash-0`,
      lastSeenMs: now,
      expiresMs: expires,
      deadlineMs: deadline,
    };
    return run(
      'tsSessionCreate',
      now,
      ...[id, userId, device, deadline, GRACE, max, policy, iso(now).slice(0, 10)],
      ...[PEAK_TTL, WINDOW, options.authenticatedAt ?? 0],
      ...Object.entries(fields).flat(),
    );
  };
  const touch = (id: string, now: number) => run('tsSessionTouch', now, id, 600_000, 60_000, GRACE);
  const rotate = (id: string, presented: string, next: string, now: number) =>
    run('tsSessionRotate', now, id, presented, next, 600_000, GRACE);

  await create('s1', 'u1', T0);
  await create('s2', 'u1', T0 + 1_000, { device: 'MOBILE' });
  await create('s3', 'u1', T0 + 2_000); // evicts s1
  await create('s4', 'u2', T0 + 3_000, { max: 1, policy: 'refuse' });
  await create('s5', 'u2', T0 + 4_000, { max: 1, policy: 'refuse' }); // limit
  await touch('s2', T0 + 5_000); // within the interval: nothing written
  await touch('s2', T0 + 100_000);
  await touch('none', T0 + 100_000);
  await rotate('s2', 's2-hash-0', 's2-hash-1', T0 + 110_000);
  await rotate('s2', 's2-hash-0', 's2-hash-2', T0 + 111_000); // reuse
  await rotate('s3', 'wrong', 's3-hash-1', T0 + 112_000);
  await rotate('none', 'x', 'y', T0 + 112_000);
  await run('tsSessionEnd', T0 + 120_000, 'LOGOUT', 's3', 'none');
  await run('tsSessionEnd', T0 + 120_000, 'LOGOUT', 's3');
  await run('tsSessionEndUser', T0 + 130_000, 'u2', 'PASSWORD_RESET', '', NOT_BEFORE_TTL);
  await create('s6', 'u2', T0 + 140_000, { authenticatedAt: T0 + 125_000 }); // stale
  await create('s7', 'u2', T0 + 140_000, { authenticatedAt: T0 + 135_000 });
  await create('s8', 'u3', T0 + 150_000, { idle: 1_000 });
  await create('s9', 'u3', T0 + 150_000, { idle: 1_000, device: 'TABLET' });
  await create('s10', 'u4', T0 + 150_000, { idle: 1_000 });
  await touch('s8', T0 + 200_000); // past its deadline
  await rotate('s8', 's8-hash-0', 's8-hash-1', T0 + 200_000); // ends it, expired
  await run('tsSessionSweep', T0 + 200_000, 1);
  await run('tsSessionSweep', T0 + 200_000, 10);
  await run('tsSessionSweep', T0 + 200_000, 10);
  await run('tsSessionEndUser', T0 + 210_000, 'u2', 'USER_DISABLED', 's7', NOT_BEFORE_TTL);
  await run('tsSessionEnd', T0 + 220_000, 'REVOKED', 's7');
  await run('tsSessionSweep', T0 + 230_000, 10);

  await redis.publish(`${channels}done`, '"done"');
  await until(
    () => messages.some(([channel]) => channel === `${channels}done`),
    'the last message',
  );
  listener.disconnect();
  return { replies, messages, contents: await contents(redis, prefix) };
}

test('each session script replies, publishes and leaves in Redis what its Lua does', async () => {
  const { server, inProcess } = await onBoth('scripts', sessionScenario);
  expect(inProcess.replies).toEqual(server.replies);
  expect(inProcess.messages).toEqual(server.messages);
  expect(inProcess.contents).toEqual(server.contents);
  // The scenario reaches every outcome (cjson writes an empty list as `{}`).
  const summary = server.replies.map((reply: any) => {
    if (typeof reply === 'number') return reply;
    const ended = Array.isArray(reply.ended)
      ? reply.ended.map((e: any) => `${e.session.id}/${e.reason}`).join(',')
      : JSON.stringify(reply.ended);
    return [
      reply.outcome,
      reply.current === undefined ? '' : `current:${reply.current}`,
      `ended:${ended}`,
      reply.swept === undefined ? '' : `swept:${reply.swept} next:${reply.next}`,
    ]
      .filter(Boolean)
      .join(' ');
  });
  expect(summary).toEqual([
    'created ended:{}',
    'created ended:{}',
    'created ended:s1/EVICTED',
    'created ended:{}',
    'limit current:1 ended:{}',
    596_000,
    600_000,
    0,
    'rotated ended:{}',
    'reused ended:s2/REFRESH_REUSE',
    'invalid ended:{}',
    'invalid ended:{}',
    'ended:s3/LOGOUT',
    'ended:{}',
    'ended:s4/PASSWORD_RESET',
    'stale ended:{}',
    'created ended:{}',
    'created ended:{}',
    'created ended:{}',
    'created ended:{}',
    0,
    'invalid ended:s8/EXPIRED',
    `ended:s10/EXPIRED swept:1 next:${T0 + 151_000}`,
    `ended:s9/EXPIRED swept:1 next:${T0 + 740_000}`,
    `ended:{} swept:0 next:${T0 + 740_000}`,
    'ended:{}',
    'ended:s7/REVOKED',
    'ended:{} swept:0 next:false',
  ]);
});

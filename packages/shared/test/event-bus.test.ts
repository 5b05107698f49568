/**
 * The pub/sub event bus against real Redis, reached through a TCP proxy that the tests open and
 * close to play a Redis outage; and what needs no outage against the in-process Redis as well.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createRedis, EventBus, InProcessRedis } from '../src';
import { freePort, settled, until } from '../testing';

const log = pino({ level: 'silent' });
const REDIS = { host: '127.0.0.1', port: 6379 };

/** A TCP proxy to the real Redis that can be taken down (dropping every connection) and back up. */
async function redisProxy(port: number) {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  return {
    async up() {
      server = net.createServer((client) => {
        const upstream = net.connect(REDIS.port, REDIS.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
  };
}

let publisher: Redis;
let prefix: string;
beforeEach(() => {
  // Connected on first use: the tests on the in-process Redis do not use it.
  publisher = new Redis({ ...REDIS, lazyConnect: true });
  prefix = `test:bus:${randomUUID()}:`;
});
afterEach(() => publisher.disconnect());

const revoked = (sessionId: string) =>
  JSON.stringify({ tenantId: 't', sessionId, userId: 'u', reason: 'LOGOUT' });

test('a service started while Redis is unreachable hears events once Redis is up', async () => {
  const port = await freePort();
  const proxy = await redisProxy(port);
  const redis = createRedis({ REDIS_URL: `redis://127.0.0.1:${port}` }, log);
  const bus = new EventBus(redis, prefix, log);
  const heard: string[] = [];
  let subscribed = false;
  void bus
    .subscribe('session.revoked', (event) => heard.push(event.sessionId))
    .then(() => (subscribed = true));
  try {
    // Long enough for the first subscribe attempt to give up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(bus.listening).toBe(false);
    expect(subscribed).toBe(false);
    await proxy.up();
    await until(() => bus.listening && subscribed, 'listening');
    await publisher.publish(`${prefix}events:session.revoked`, revoked('s-1'));
    await until(() => heard.length > 0, 'the event');
    expect(heard).toEqual(['s-1']);
  } finally {
    await bus.close();
    redis.disconnect();
    await proxy.down();
  }
}, 30_000);

test('an outage: deaf handlers run when it starts, listening handlers once every channel is back', async () => {
  const port = await freePort();
  const proxy = await redisProxy(port);
  await proxy.up();
  const redis = createRedis({ REDIS_URL: `redis://127.0.0.1:${port}` }, log);
  const bus = new EventBus(redis, prefix, log);
  const heard: string[] = [];
  const calls: string[] = [];
  bus.onListening(() => calls.push('listening'));
  bus.onDeaf(() => calls.push('deaf'));
  try {
    await bus.subscribe('session.revoked', (event) => heard.push(event.sessionId));
    await bus.subscribe('tenant.changed', () => undefined);
    expect(bus.listening).toBe(true);
    expect(calls).toEqual(['listening']);

    await proxy.down();
    await until(() => !bus.listening, 'deaf');
    expect(calls).toEqual(['listening', 'deaf']);
    await proxy.up();
    await until(() => bus.listening, 'listening again');
    expect(calls).toEqual(['listening', 'deaf', 'listening']);
    // Both channels are subscribed again, by the bus itself.
    const [, revokedCount, , changedCount] = (await publisher.pubsub(
      'NUMSUB',
      `${prefix}events:session.revoked`,
      `${prefix}events:tenant.changed`,
    )) as [string, number, string, number];
    expect([revokedCount, changedCount]).toEqual([1, 1]);
    await publisher.publish(`${prefix}events:session.revoked`, revoked('s-2'));
    await until(() => heard.includes('s-2'), 'the event after the outage');
  } finally {
    await bus.close();
    redis.disconnect();
    await proxy.down();
  }
}, 30_000);

/** Pub/sub without an outage, on the Redis server and on the in-process Redis alike. */
describe.each([
  ['Redis', () => new Redis(REDIS)],
  ['in-process Redis', () => new InProcessRedis()],
] as [string, () => Redis][])('on %s', (_client, connect) => {
  test("a tenant's channel is released when its last iterator ends", async () => {
    const redis = connect();
    const observer = connect();
    const bus = new EventBus(redis, prefix, log);
    const channel = `${prefix}events:session.event:tenant-a`;
    const subscribers = async () =>
      ((await observer.pubsub('NUMSUB', channel)) as [string, number])[1];
    try {
      const first = bus.iterate('session.event', () => true, { scope: 'tenant-a' });
      const second = bus.iterate('session.event', () => true, { scope: 'tenant-a' });
      await until(() => bus.listening, 'listening');
      expect(await settled(subscribers, (count) => count === 1)).toBe(1);
      await first.return!();
      expect(await subscribers()).toBe(1);
      await second.return!();
      expect(await settled(subscribers, (count) => count === 0)).toBe(0);
    } finally {
      await bus.close();
      redis.disconnect();
      observer.disconnect();
    }
  });

  test('handlers of a channel already subscribed share its one SUBSCRIBE', async () => {
    const redis = connect();
    const bus = new EventBus(redis, prefix, log);
    // The bus subscribes on a connection of its own, made from this one.
    const duplicate = jest.spyOn(redis, 'duplicate');
    try {
      await bus.subscribe('tenant.changed', () => undefined, 'tenant-x');
      await until(() => bus.listening, 'listening');
      const subscribe = jest.spyOn(duplicate.mock.results[0].value as Redis, 'subscribe');
      await Promise.all([
        bus.subscribe('tenant.changed', () => undefined, 'tenant-y'),
        bus.subscribe('tenant.changed', () => undefined, 'tenant-y'),
        bus.subscribe('tenant.changed', () => undefined, 'tenant-y'),
        bus.subscribe('tenant.changed', () => undefined, 'tenant-x'),
      ]);
      // One for the new channel; none for the extra handlers, nor for the channel already held.
      expect(subscribe.mock.calls).toEqual([[`${prefix}events:tenant.changed:tenant-y`]]);
    } finally {
      duplicate.mockRestore();
      await bus.close();
      redis.disconnect();
    }
  });
});

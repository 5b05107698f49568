import { Redis } from 'ioredis';
import pino from 'pino';
import { EventStream, type DurableEvents } from '../src';
import { TEST_REDIS_CLIENTS, until, type TestRedis } from '../testing';

const log = pino({ level: 'silent' });
let testRedis: TestRedis;
let redis: Redis;
let prefix: string;
const streams: EventStream[] = [];

function stream(options: ConstructorParameters<typeof EventStream>[3] = {}): EventStream {
  const created = new EventStream(redis, prefix, log, { blockMs: 100, ...options });
  streams.push(created);
  return created;
}

const event = (i: number): DurableEvents['account.created'] => ({
  tenantId: 't',
  accountId: `a-${i}`,
  email: `a${i}@x.test`,
  name: `n${i}`,
});

describe.each(TEST_REDIS_CLIENTS)(
  'EventStream (Redis streams with consumer groups, %s)',
  (_client, connect) => {
    beforeEach(() => {
      testRedis = connect('stream');
      ({ redis, prefix } = testRedis);
    });

    afterEach(async () => {
      await Promise.all(streams.splice(0).map((s) => s.close()));
      await testRedis.close();
    });

    test('entries appended before the consumer started are handled, each once across replicas', async () => {
      const producer = stream();
      for (let i = 0; i < 20; i++) await producer.append('account.created', event(i));
      const handled: string[] = [];
      // Two replicas of one service: one group, two consumers.
      for (const replica of [stream(), stream()])
        replica.consume('account.created', 'profiles', async (e) => {
          handled.push(e.accountId);
        });
      await until(() => handled.length >= 20);
      await producer.append('account.created', event(20));
      await until(() => handled.length >= 21);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([...handled].sort()).toEqual(Array.from({ length: 21 }, (_, i) => `a-${i}`).sort());
    });

    test('another group gets every entry too', async () => {
      const producer = stream();
      await producer.append('account.created', event(1));
      const seen: Record<string, number> = { profiles: 0, activity: 0 };
      for (const group of ['profiles', 'activity'])
        stream().consume('account.created', group, async () => {
          seen[group]++;
        });
      await until(() => seen.profiles === 1 && seen.activity === 1);
    });

    test('a failed entry is delivered again, and one that keeps failing goes to the dead-letter stream', async () => {
      const consumer = stream({ claimIdleMs: 50, maxDeliveries: 3 });
      await consumer.append('account.created', event(1));
      await consumer.append('account.created', event(2));
      const attempts: Record<string, number> = {};
      consumer.consume('account.created', 'flaky', async (e) => {
        attempts[e.accountId] = (attempts[e.accountId] ?? 0) + 1;
        // a-1 works at the second try; a-2 never does.
        if (e.accountId === 'a-2' || attempts[e.accountId] < 2)
          throw new Error(`boom ${e.accountId}`);
      });
      const deadKey = `${prefix}stream:account.created:dead`;
      await until(() => attempts['a-1'] === 2 && attempts['a-2'] === 3);
      let dead: [string, string[]][] = [];
      await until(async () => (dead = await redis.xrange(deadKey, '-', '+')).length === 1);
      const fields = dead[0][1];
      expect(JSON.parse(fields[fields.indexOf('event') + 1])).toEqual(event(2));
      expect(fields[fields.indexOf('error') + 1]).toBe('boom a-2');
      expect(fields[fields.indexOf('group') + 1]).toBe('flaky');
      // Nothing is left pending in the group.
      const pending = (await redis.xpending(`${prefix}stream:account.created`, 'flaky')) as [
        number,
      ];
      expect(pending[0]).toBe(0);
    });
  },
);

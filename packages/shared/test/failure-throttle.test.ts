import { Redis } from 'ioredis';
import { AppError, FailureThrottle, RequestLimit } from '../src';
import { TEST_REDIS_CLIENTS, type TestRedis } from '../testing';

let testRedis: TestRedis;
let redis: Redis;
let prefix: string;

const throttle = (options: { perAccount: number; perIp: number; windowSeconds: number }) =>
  new FailureThrottle(redis, `${prefix}throttle`, options);

/** The error a call fails with (the test fails if it succeeds). */
async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('expected the call to be refused');
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectRateLimited(promise: Promise<unknown>, retryAfter?: number): Promise<number> {
  const error = await failureOf(promise);
  expect(error.extensions.code).toBe('RATE_LIMITED');
  const wait = error.extensions.retryAfter as number;
  expect(Number.isInteger(wait)).toBe(true);
  if (retryAfter !== undefined) expect(wait).toBe(retryAfter);
  return wait;
}

describe.each(TEST_REDIS_CLIENTS)('%s', (_client, connect) => {
  beforeEach(() => {
    testRedis = connect('throttle');
    ({ redis, prefix } = testRedis);
  });

  afterEach(async () => {
    await testRedis.close();
  });

  describe('FailureThrottle (Redis)', () => {
    const options = { perAccount: 3, perIp: 100, windowSeconds: 60 };

    test('the attempt past the per-account limit is refused for the window', async () => {
      const limiter = throttle(options);
      for (let i = 0; i < 3; i++) await limiter.attempt('alice@example.test', '198.51.100.1');
      await expectRateLimited(limiter.attempt('alice@example.test', '198.51.100.1'), 60);
      // Still locked, from another IP too; the wait never exceeds the lockout.
      const wait = await expectRateLimited(limiter.attempt('alice@example.test', '198.51.100.2'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
      // Another account is not affected.
      await limiter.attempt('bob@example.test', '198.51.100.1');
    });

    test('the message carries the wait as well', async () => {
      const limiter = throttle(options);
      for (let i = 0; i < 3; i++) await limiter.attempt('alice@example.test', undefined);
      const error = await failureOf(limiter.attempt('alice@example.test', undefined));
      expect(error.message).toContain('60');
    });

    test('a success starts the count over', async () => {
      const limiter = throttle(options);
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await limiter.succeeded('alice@example.test', '198.51.100.1');
      for (let i = 0; i < 3; i++) await limiter.attempt('alice@example.test', '198.51.100.1');
      await expectRateLimited(limiter.attempt('alice@example.test', '198.51.100.1'), 60);
    });

    test('forgive() undoes only the latest attempt', async () => {
      const limiter = throttle(options);
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await limiter.forgive('alice@example.test', '198.51.100.1');
      // One attempt is still counted: two more pass, the third is refused.
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await limiter.attempt('alice@example.test', '198.51.100.1');
      await expectRateLimited(limiter.attempt('alice@example.test', '198.51.100.1'), 60);
    });

    test('check() counts wrong credentials, but not a check that failed for another reason', async () => {
      const limiter = throttle({ perAccount: 2, perIp: 3, windowSeconds: 60 });
      const wrong = () => Promise.reject(new AppError('UNAUTHENTICATED', 'Invalid credentials'));
      const outage = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      // The database is down: however often the user tries, nothing is held against them.
      for (let i = 0; i < 5; i++)
        await expect(limiter.check('alice@example.test', '198.51.100.1', outage)).rejects.toThrow(
          'ECONNREFUSED',
        );
      await expect(
        limiter.check('alice@example.test', '198.51.100.1', async () => 'ok'),
      ).resolves.toBe('ok');
      // Wrong credentials count as before: two, then the account is locked.
      await failureOf(limiter.check('bob@example.test', '198.51.100.2', wrong));
      await failureOf(limiter.check('bob@example.test', '198.51.100.2', wrong));
      await expectRateLimited(limiter.check('bob@example.test', '198.51.100.2', wrong), 60);
    });

    test('giving back a point that was never taken adds no attempts', async () => {
      const limited = throttle({ perAccount: 2, perIp: 100, windowSeconds: 60 });
      await limited.forgive('stray', '192.0.2.9');
      await limited.succeeded('stray', '192.0.2.9');
      await limited.attempt('stray', '192.0.2.9');
      await limited.attempt('stray', '192.0.2.9');
      await expect(limited.attempt('stray', '192.0.2.9')).rejects.toMatchObject({
        extensions: { code: 'RATE_LIMITED' },
      });
    });

    test('the per-IP limit locks out every account from that IP', async () => {
      const limiter = throttle({ perAccount: 3, perIp: 4, windowSeconds: 60 });
      for (let i = 0; i < 4; i++) await limiter.attempt(`user-${i}@example.test`, '198.51.100.9');
      await expectRateLimited(limiter.attempt('user-4@example.test', '198.51.100.9'), 60);
      await expectRateLimited(limiter.attempt('user-0@example.test', '198.51.100.9'));
      // The accounts themselves are not locked: from elsewhere they go on.
      await limiter.attempt('user-4@example.test', '203.0.113.5');
      await limiter.attempt('user-0@example.test', '203.0.113.5');
      // Without an IP only the account counts.
      await limiter.attempt('user-5@example.test', undefined);
    });

    test('parallel guesses cannot slip past the limit', async () => {
      const limiter = throttle(options);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => limiter.attempt('alice@example.test', '198.51.100.1')),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
      for (const result of results)
        if (result.status === 'rejected')
          expect((result.reason as AppError).extensions.code).toBe('RATE_LIMITED');
    });

    test('a repeat lockout lasts twice as long', async () => {
      const limiter = throttle({ perAccount: 1, perIp: 100, windowSeconds: 1 });
      await limiter.attempt('alice@example.test', undefined);
      await expectRateLimited(limiter.attempt('alice@example.test', undefined), 1);
      // Wait out the one-second lockout.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await limiter.attempt('alice@example.test', undefined);
      await expectRateLimited(limiter.attempt('alice@example.test', undefined), 2);
      // Another account's first lockout is the plain window.
      await limiter.attempt('bob@example.test', undefined);
      await expectRateLimited(limiter.attempt('bob@example.test', undefined), 1);
    });

    test('throttles with different key prefixes count separately', async () => {
      const login = new FailureThrottle(redis, `${prefix}login`, options);
      const mfa = new FailureThrottle(redis, `${prefix}mfa`, options);
      for (let i = 0; i < 3; i++) await login.attempt('alice@example.test', undefined);
      await expectRateLimited(login.attempt('alice@example.test', undefined), 60);
      await mfa.attempt('alice@example.test', undefined);
    });
  });

  describe('RequestLimit (Redis)', () => {
    test('the request past the points of the window is refused with the time left', async () => {
      const limit = new RequestLimit(redis, `${prefix}requests`, {
        points: 2,
        durationSeconds: 30,
      });
      await limit.consume('198.51.100.1');
      await limit.consume('198.51.100.1');
      const wait = await expectRateLimited(limit.consume('198.51.100.1'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(30);
      // Other keys have their own window.
      await limit.consume('198.51.100.2');
      await limit.consume('198.51.100.2');
      await expectRateLimited(limit.consume('198.51.100.2'));
    });
  });
});

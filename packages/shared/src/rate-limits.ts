import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors';

/** RATE_LIMITED with the seconds to wait, for clients and for a Retry-After header. */
export function rateLimited(retryAfterSeconds: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfter} s`, {
    retryAfter,
  });
}

const secondsUntilNext = (res: RateLimiterRes) => res.msBeforeNext / 1000;

/** A fixed-window request limit per key (rate-limiter-flexible on Redis). */
export class RequestLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    keyPrefix: string,
    options: { points: number; durationSeconds: number },
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  /** Counts one request; throws RATE_LIMITED once the key has used up its window. */
  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(secondsUntilNext(rejection));
      throw rejection;
    }
  }
}

export interface FailureThrottleOptions {
  /** Failures allowed per account key within the window. */
  perAccount: number;
  /** Failures allowed per IP, across accounts, within the window. */
  perIp: number;
  windowSeconds: number;
}

/** Lockouts double with each one in a day, up to this factor of the window. */
const MAX_BACKOFF_FACTOR = 64;

/**
 * Brute-force protection for a credential check: failures are counted per account and per IP,
 * and reaching either limit (the limit-th failure) locks that key out for the window, doubling with every repeat
 * lockout in a day. A success clears the account's count.
 */
export class FailureThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;
  private readonly lockouts: RateLimiterRedis;

  constructor(
    redis: Redis,
    keyPrefix: string,
    private readonly options: FailureThrottleOptions,
  ) {
    const common = { storeClient: redis, duration: options.windowSeconds };
    this.byAccount = new RateLimiterRedis({
      ...common,
      keyPrefix: `${keyPrefix}:account`,
      points: options.perAccount,
    });
    this.byIp = new RateLimiterRedis({
      ...common,
      keyPrefix: `${keyPrefix}:ip`,
      points: options.perIp,
    });
    this.lockouts = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:lockouts`,
      points: 1_000_000,
      duration: 86_400,
    });
  }

  /** Throws RATE_LIMITED while the account or the IP is locked out. */
  async assertAllowed(accountKey: string, ip: string | undefined): Promise<void> {
    const [account, address] = await Promise.all([
      this.byAccount.get(accountKey),
      ip ? this.byIp.get(ip) : null,
    ]);
    const waits = [
      account && account.consumedPoints >= this.options.perAccount ? account : null,
      address && address.consumedPoints >= this.options.perIp ? address : null,
    ].filter((res): res is RateLimiterRes => res !== null);
    if (waits.length > 0) throw rateLimited(Math.max(...waits.map(secondsUntilNext)));
  }

  /** Counts a failure; the one that crosses a limit starts a lockout (longer each time). */
  async recordFailure(accountKey: string, ip: string | undefined): Promise<void> {
    await Promise.all([
      this.count(this.byAccount, accountKey, this.options.perAccount),
      ip ? this.count(this.byIp, ip, this.options.perIp) : undefined,
    ]);
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.byAccount.delete(accountKey);
  }

  private async count(limiter: RateLimiterRedis, key: string, limit: number): Promise<void> {
    const res = await limiter.penalty(key, 1);
    if (res.consumedPoints !== limit) return;
    // The limit was just reached: lock out, doubling per earlier lockout of this key today.
    const earlier =
      (await this.lockouts.penalty(`${limiter.keyPrefix}:${key}`, 1)).consumedPoints - 1;
    const factor = Math.min(2 ** earlier, MAX_BACKOFF_FACTOR);
    await limiter.block(key, this.options.windowSeconds * factor);
  }
}

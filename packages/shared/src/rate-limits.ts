import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config';
import { AppError } from './errors';
import { redisAway } from './redis';

/** RATE_LIMITED with the seconds to wait, for clients and for a Retry-After header. */
export function rateLimited(retryAfterSeconds: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfter} s`, {
    retryAfter,
  });
}

/**
 * For a request refused before execution (the router's rate limit): the response itself is an
 * HTTP 429 with Retry-After, as unauthenticatedRequest is a 401.
 */
export function rateLimitedRequest(retryAfterSeconds: number): AppError {
  const error = rateLimited(retryAfterSeconds);
  const retryAfter = String(error.extensions.retryAfter);
  error.extensions.http = { status: 429, headers: new Map([['retry-after', retryAfter]]) };
  return error;
}

const secondsUntilNext = (res: RateLimiterRes) => res.msBeforeNext / 1000;

/**
 * A fixed-window request limit per key (rate-limiter-flexible on Redis). While Redis is away it
 * counts in this process's memory instead (the same limit, per process), at once rather than
 * after Redis's retries: a limit never fails a request, nor lets everything through, because
 * Redis is down.
 */
export class RequestLimit {
  private readonly limiter: RateLimiterRedis;
  private readonly inMemory: RateLimiterMemory;
  private readonly refuse: (retryAfterSeconds: number) => AppError;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    options: {
      points: number;
      durationSeconds: number;
      /** The error past the limit: RATE_LIMITED in the response (default), or the HTTP 429 of rateLimitedRequest. */
      refuse?: (retryAfterSeconds: number) => AppError;
    },
  ) {
    this.inMemory = new RateLimiterMemory({
      points: options.points,
      duration: options.durationSeconds,
    });
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: options.points,
      duration: options.durationSeconds,
      insuranceLimiter: this.inMemory,
    });
    this.refuse = options.refuse ?? rateLimited;
  }

  /** Counts one request; throws the refusal once the key has used up its window. */
  async consume(key: string): Promise<void> {
    try {
      await (redisAway(this.redis) ? this.inMemory : this.limiter).consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw this.refuse(secondsUntilNext(rejection));
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

/** The sign-in throttle as configured (LOGIN_MAX_FAILURES_*, LOGIN_FAILURE_WINDOW_SECONDS). */
export function signInThrottle(
  redis: Redis,
  config: Pick<
    Config,
    | 'REDIS_KEY_PREFIX'
    | 'LOGIN_MAX_FAILURES_PER_ACCOUNT'
    | 'LOGIN_MAX_FAILURES_PER_IP'
    | 'LOGIN_FAILURE_WINDOW_SECONDS'
  >,
  name: string,
): FailureThrottle {
  return new FailureThrottle(redis, `${config.REDIS_KEY_PREFIX}auth:${name}`, {
    perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    perIp: config.LOGIN_MAX_FAILURES_PER_IP,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  });
}

/** Lockouts double with each one in a day, up to this factor of the window. */
const MAX_BACKOFF_FACTOR = 64;

/**
 * Brute-force protection for a credential check, per account and per IP. Each attempt is
 * counted before the credentials are checked, so a burst of parallel guesses cannot all slip
 * past; a success gives its point back. The attempt past a limit starts a lockout of the window,
 * doubling with every repeat lockout of that key in a day.
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

  /** Counts an attempt; throws RATE_LIMITED (with the wait) while the account or IP is locked out. */
  async attempt(accountKey: string, ip: string | undefined): Promise<void> {
    await this.take(this.byAccount, accountKey, this.options.perAccount);
    if (ip) await this.take(this.byIp, ip, this.options.perIp);
  }

  /**
   * Counts an attempt, then runs the credential check. A check that fails for a reason other than
   * the credentials (the database or Redis is down: any error but an AppError) gives the attempt
   * back, so that an outage does not leave everyone who tried to sign in locked out after it.
   */
  async check<T>(
    accountKey: string,
    ip: string | undefined,
    credentials: () => Promise<T>,
  ): Promise<T> {
    await this.attempt(accountKey, ip);
    try {
      return await credentials();
    } catch (error) {
      // If the throttle cannot be reached either, the attempt stays counted: the error matters more.
      if (!(error instanceof AppError)) await this.forgive(accountKey, ip).catch(() => undefined);
      throw error;
    }
  }

  /** The credentials were right: the account's count starts again, and the IP gets its point back. */
  async succeeded(accountKey: string, ip: string | undefined): Promise<void> {
    await this.byAccount.delete(accountKey);
    if (ip) await this.giveBack(this.byIp, ip);
  }

  /** Neither a success nor a failure (a second factor is still due): only this attempt is undone. */
  async forgive(accountKey: string, ip: string | undefined): Promise<void> {
    await this.giveBack(this.byAccount, accountKey);
    if (ip) await this.giveBack(this.byIp, ip);
  }

  /** Returns one point, but never below zero (a key that expired meanwhile stays empty). */
  private async giveBack(limiter: RateLimiterRedis, key: string): Promise<void> {
    const current = await limiter.get(key);
    if (current && current.consumedPoints > 0) await limiter.reward(key, 1);
  }

  private async take(limiter: RateLimiterRedis, key: string, limit: number): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      if (rejection.consumedPoints !== limit + 1) throw rateLimited(secondsUntilNext(rejection));
      // The first attempt past the limit: lock out, doubling per earlier lockout of this key today.
      const lockout = await this.lockouts.penalty(`${limiter.keyPrefix}:${key}`, 1);
      const factor = Math.min(2 ** (lockout.consumedPoints - 1), MAX_BACKOFF_FACTOR);
      const seconds = this.options.windowSeconds * factor;
      await limiter.block(key, seconds);
      throw rateLimited(seconds);
    }
  }
}

import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../errors';

/**
 * A per-minute request budget per key (an IP, an identity), counted in Redis so every API replica
 * draws on the same budget. Fail-safe when Redis is down: the limiter falls back to an in-process
 * counter with the same budget (rate-limiter-flexible's insurance limiter), so limiting goes on
 * per replica (the effective limit is budget x replicas) and no request fails because of Redis.
 */
export class RequestBudget {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, private readonly perMinute: number) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: perMinute,
      duration: 60,
      // A connection that is not ready goes straight to the insurance limiter instead of waiting.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: 60 }),
    });
  }

  /** Spends one request of `key`'s budget, or throws 429 rate_limited with Retry-After. */
  async spend(key: string, scope: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new ApiError(429, 'rate_limited', `Too many requests for this ${scope}; retry after ${retryAfterSeconds} s`, { scope, limitPerMinute: this.perMinute, retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
    }
  }
}

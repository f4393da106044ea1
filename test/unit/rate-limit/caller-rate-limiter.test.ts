import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger';
import { type BucketRequest, createCallerRateLimiter } from '../../../src/rate-limit/caller-rate-limiter';
import { rateLimitHeaders, retryAfterSeconds } from '../../../src/rate-limit/rate-limit-headers';

function clockAt(start: number) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const keyBucket = (id: string, requestsPerSecond = 2, burst = 3): BucketRequest => ({
  policy: 'key',
  id: `t1:key:${id}`,
  settings: { requestsPerSecond, burst },
});
const tenantBucket = (requestsPerSecond = 10, burst = 5): BucketRequest => ({
  policy: 'tenant',
  id: 't1:tenant',
  settings: { requestsPerSecond, burst },
});

function localLimiter() {
  const clock = clockAt(1_000_000);
  const limiter = createCallerRateLimiter({ redisConfigured: false, clock, logger: silentLogger });
  return {
    clock,
    take: (buckets: BucketRequest[], cost = 1) => limiter.take({ buckets, cost, redis: null }),
  };
}

describe('caller rate limiter (in process)', () => {
  it('lets a burst through, refuses the next request with the wait until a token, refills at the rate', async () => {
    const { clock, take } = localLimiter();
    const remaining: number[] = [];
    for (let index = 0; index < 3; index++) {
      const decision = await take([keyBucket('a')]);
      expect(decision.allowed).toBe(true);
      remaining.push(decision.buckets[0]?.remaining ?? -1);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = await take([keyBucket('a')]);
    expect(refused).toMatchObject({ allowed: false, scope: 'local' });
    // 2 tokens per second: one token in 500 ms; the bucket is full again after 1500 ms.
    expect(refused.buckets[0]).toMatchObject({ remaining: 0, waitMs: 500, fullInMs: 1500 });
    clock.advance(499);
    expect((await take([keyBucket('a')])).allowed).toBe(false);
    clock.advance(1);
    expect((await take([keyBucket('a')])).allowed).toBe(true);
  });

  it('keeps one bucket per key: another key is unaffected', async () => {
    const { take } = localLimiter();
    for (let index = 0; index < 3; index++) await take([keyBucket('a')]);
    expect((await take([keyBucket('a')])).allowed).toBe(false);
    expect((await take([keyBucket('b')])).allowed).toBe(true);
  });

  it('debits all buckets or none: a refusal by the tenant bucket costs the key nothing', async () => {
    const { take } = localLimiter();
    const tenant = tenantBucket(1, 2);
    expect((await take([keyBucket('a', 1, 10), tenant])).allowed).toBe(true);
    expect((await take([keyBucket('b', 1, 10), tenant])).allowed).toBe(true);
    const refused = await take([keyBucket('a', 1, 10), tenant]);
    expect(refused.allowed).toBe(false);
    expect(refused.buckets.map((bucket) => [bucket.policy, bucket.remaining])).toEqual([
      ['key', 9],
      ['tenant', 0],
    ]);
  });

  it('charges a cost, and a cost above the burst as the whole burst', async () => {
    const { clock, take } = localLimiter();
    const decision = await take([keyBucket('a', 1, 10)], 4);
    expect(decision.buckets[0]?.remaining).toBe(6);
    expect((await take([keyBucket('a', 1, 10)], 7)).allowed).toBe(false);
    clock.advance(4000);
    // 100 items against a burst of 10: allowed on a full bucket, which it empties.
    const big = await take([keyBucket('a', 1, 10)], 100);
    expect(big).toMatchObject({ allowed: true });
    expect(big.buckets[0]?.remaining).toBe(0);
  });

  it('rejects settings and costs that would make the bucket meaningless', async () => {
    const { take } = localLimiter();
    await expect(take([keyBucket('a', 0, 3)])).rejects.toThrow(RangeError);
    await expect(take([keyBucket('a', 1, 0)])).rejects.toThrow(RangeError);
    await expect(take([keyBucket('a')], 0)).rejects.toThrow(RangeError);
  });
});

describe('rate limit headers', () => {
  it('writes RateLimit-Policy and RateLimit as named policy lists, and Retry-After from the refusing bucket', async () => {
    const { take } = localLimiter();
    const buckets = [keyBucket('a', 2, 3), tenantBucket(10, 50)];
    await take(buckets);
    await take(buckets);
    await take(buckets);
    const refused = await take(buckets);
    expect(rateLimitHeaders(refused)).toEqual({
      'ratelimit-policy': '"key";q=3;w=2, "tenant";q=50;w=5',
      ratelimit: '"key";r=0;t=2, "tenant";r=47;t=1',
    });
    expect(retryAfterSeconds(refused)).toBe(1);
  });

  it('rounds a long wait up to whole seconds', async () => {
    const { take } = localLimiter();
    const slow = keyBucket('a', 0.1, 1);
    await take([slow]);
    const refused = await take([slow]);
    expect(refused.buckets[0]?.waitMs).toBe(10_000);
    expect(retryAfterSeconds(refused)).toBe(10);
  });
});

import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../../src/http/circuit-breaker';
import { ConcurrencyLimiter } from '../../../src/http/concurrency-limiter';
import { TokenBucket } from '../../../src/http/rate-budget';
import { parseRetryAfter, retryAfterSeconds } from '../../../src/http/retry-after';
import {
  backoffDelayMs,
  defaultRetryPolicy,
  isIdempotentMethod,
  isRetryableFailure,
  isRetryableStatus,
} from '../../../src/http/retry-policy';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['2', 2_000],
    [' 120 ', 120_000],
    ['1.5', 1_500],
  ])('reads delay-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it('reads an IMF-fixdate relative to now', () => {
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('Thu, 15 Jan 2026 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('treats a date in the past as "now"', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:00 GMT', NOW)).toBe(0);
  });

  it.each([null, undefined, '', '  ', '-5', 'soon', '12abc', 'NaN'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('rounds waits up to whole seconds of at least 1 for our own Retry-After', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1_000)).toBe(1);
    expect(retryAfterSeconds(1_001)).toBe(2);
  });
});

describe('retry policy', () => {
  it('defaults to 3 attempts, 100 ms base, 2 s cap', () => {
    expect(defaultRetryPolicy).toEqual({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 });
  });

  it('keeps the full-jitter backoff inside [0, min(cap, base * 2^n))', () => {
    const ceilings = [100, 200, 400, 800, 1_600, 2_000, 2_000];
    ceilings.forEach((ceiling, retry) => {
      expect(backoffDelayMs(retry, defaultRetryPolicy, () => 0)).toBe(0);
      expect(backoffDelayMs(retry, defaultRetryPolicy, () => 0.5)).toBe(ceiling / 2);
      expect(backoffDelayMs(retry, defaultRetryPolicy, () => 0.999_999)).toBe(ceiling - 1);
    });
  });

  it('retries only the statuses that say "try again"', () => {
    const retryable = [408, 429, 500, 502, 503, 504];
    for (let status = 400; status < 600; status += 1) {
      expect(isRetryableStatus(status)).toBe(retryable.includes(status));
    }
  });

  it('treats only GET as idempotent', () => {
    expect(isIdempotentMethod('GET')).toBe(true);
    expect(isIdempotentMethod('get')).toBe(true);
    expect(isIdempotentMethod('POST')).toBe(false);
  });

  it('allows one retry for bad bodies per call', () => {
    expect(isRetryableFailure({ kind: 'malformed_body', status: 200 }, 0)).toBe(true);
    expect(isRetryableFailure({ kind: 'malformed_body', status: 200 }, 1)).toBe(false);
    expect(isRetryableFailure({ kind: 'truncated_body', status: 200, error: null }, 1)).toBe(false);
    expect(isRetryableFailure({ kind: 'timeout' }, 5)).toBe(true);
  });
});

describe('TokenBucket', () => {
  it('starts full, grants the burst, then says when the next token comes', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 150, burst: 3 }, NOW);
    for (let n = 0; n < 3; n += 1) expect(bucket.reserve(NOW, 0)).toEqual({ granted: true, waitMs: 0 });
    // 150/min = one token every 400 ms.
    expect(bucket.reserve(NOW, 0)).toEqual({ granted: false, retryAfterMs: 400 });
    expect(bucket.reserve(NOW + 399, 0)).toEqual({ granted: false, retryAfterMs: 1 });
    expect(bucket.reserve(NOW + 400, 0)).toEqual({ granted: true, waitMs: 0 });
  });

  it('queues reservations when allowed to wait, each one token later than the previous', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 1 }, NOW);
    expect(bucket.reserve(NOW, 5_000)).toEqual({ granted: true, waitMs: 0 });
    expect(bucket.reserve(NOW, 5_000)).toEqual({ granted: true, waitMs: 1_000 });
    expect(bucket.reserve(NOW, 5_000)).toEqual({ granted: true, waitMs: 2_000 });
    expect(bucket.reserve(NOW, 2_500)).toEqual({ granted: false, retryAfterMs: 3_000 });
  });

  it('never holds more than burst tokens, however long it idles', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 600, burst: 2 }, NOW);
    expect(bucket.available(NOW + 3_600_000)).toBe(2);
  });

  it('does not mint tokens when the clock steps back', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 1 }, NOW);
    bucket.reserve(NOW, 0);
    expect(bucket.available(NOW - 10_000)).toBe(0);
    expect(bucket.reserve(NOW + 999, 0).granted).toBe(false);
  });

  it('takes a refund back, up to the burst', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 1 }, NOW);
    bucket.reserve(NOW, 0);
    bucket.refund(NOW);
    expect(bucket.available(NOW)).toBe(1);
    bucket.refund(NOW);
    expect(bucket.available(NOW)).toBe(1);
  });

  it('never lets more than burst + rate * window through over a window', () => {
    const bucket = new TokenBucket({ requestsPerMinute: 150, burst: 150 }, NOW);
    let granted = 0;
    for (let t = 0; t <= 10_000; t += 10) {
      while (bucket.reserve(NOW + t, 0).granted) granted += 1;
    }
    expect(granted).toBe(150 + 25);
  });

  it('rejects settings that could never send', () => {
    expect(() => new TokenBucket({ requestsPerMinute: 0, burst: 1 }, NOW)).toThrow(RangeError);
    expect(() => new TokenBucket({ requestsPerMinute: 10, burst: 0 }, NOW)).toThrow(RangeError);
  });
});

describe('ConcurrencyLimiter', () => {
  it('hands out at most max slots and passes them on in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: string[] = [];
    const third = limiter.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = limiter.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('lets a waiter give up without taking a slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(limiter.waiting).toBe(0);
    held();
    expect(limiter.active).toBe(0);
  });

  it('rejects a bad cap', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});

describe('CircuitBreaker', () => {
  it('walks closed -> open -> half-open -> closed -> open -> half-open -> open', () => {
    const changes: Array<[CircuitState, CircuitState]> = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      openMs: 1_000,
      onStateChange: (from, to) => changes.push([from, to]),
    });
    expect(breaker.state(NOW)).toBe('closed');
    breaker.failure(false, NOW);
    expect(breaker.state(NOW)).toBe('closed');
    breaker.failure(false, NOW);
    expect(breaker.state(NOW)).toBe('open');
    expect(breaker.tryAcquire(NOW + 400)).toEqual({ allowed: false, retryAfterMs: 600 });

    expect(breaker.state(NOW + 1_000)).toBe('half-open');
    expect(breaker.tryAcquire(NOW + 1_000)).toEqual({ allowed: true, probe: true });
    expect(breaker.tryAcquire(NOW + 1_000)).toEqual({ allowed: false, retryAfterMs: 1_000 });
    breaker.success(true);
    expect(breaker.state(NOW + 1_000)).toBe('closed');

    breaker.failure(false, NOW + 2_000);
    breaker.failure(false, NOW + 2_000);
    expect(breaker.state(NOW + 2_000)).toBe('open');
    expect(breaker.tryAcquire(NOW + 3_000)).toEqual({ allowed: true, probe: true });
    breaker.failure(true, NOW + 3_000);
    expect(breaker.state(NOW + 3_999)).toBe('open');
    expect(breaker.state(NOW + 4_000)).toBe('half-open');
    expect(changes).toEqual([
      ['closed', 'open'],
      ['half-open', 'closed'],
      ['closed', 'open'],
      ['half-open', 'open'],
    ]);
  });

  it('resets the count of consecutive failures on a success', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1_000 });
    breaker.failure(false, NOW);
    breaker.success(false);
    breaker.failure(false, NOW);
    expect(breaker.state(NOW)).toBe('closed');
  });

  it('ignores late successes of requests sent before it opened', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000 });
    breaker.failure(false, NOW);
    breaker.success(false);
    expect(breaker.state(NOW)).toBe('open');
  });

  it('frees a probe that never reached the vendor', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 0 });
    breaker.failure(false, NOW);
    expect(breaker.tryAcquire(NOW)).toEqual({ allowed: true, probe: true });
    breaker.release(true);
    expect(breaker.tryAcquire(NOW)).toEqual({ allowed: true, probe: true });
  });
});

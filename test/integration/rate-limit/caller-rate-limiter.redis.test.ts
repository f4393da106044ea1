import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../../src/cache/redis-client';
import { createJsonLogger, silentLogger } from '../../../src/logger';
import { type BucketRequest, createCallerRateLimiter } from '../../../src/rate-limit/caller-rate-limiter';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Unique per run: the Redis is shared with other suites. */
const PREFIX = `eg:test:ratelimit:${process.pid}:${Date.now()}`;

let first: Redis;
let second: Redis;
let admin: Redis;

beforeAll(async () => {
  first = createRedisClient(REDIS_URL, { mode: 'shared', logger: silentLogger });
  second = createRedisClient(REDIS_URL, { mode: 'shared', logger: silentLogger });
  admin = new Redis(REDIS_URL);
  expect(await waitForRedisReady(first, 3000)).toBe(true);
  expect(await waitForRedisReady(second, 3000)).toBe(true);
});

afterAll(async () => {
  await admin.del(
    ...['shared-key', 'tenant-x', 'key-x1', 'key-x2', 'batch-key', 'noscript-key'].map(
      (id) => `${PREFIX}:${id}`,
    ),
  );
  await closeRedisClient(first);
  await closeRedisClient(second);
  admin.disconnect();
});

/** A slow bucket (one token per 100 s), so Redis' clock cannot refill it during a test. */
const bucket = (id: string, burst: number): BucketRequest => ({
  policy: 'key',
  id: `${id}`,
  settings: { requestsPerSecond: 0.01, burst },
});

function limiter(clock = { now: () => Date.now() }) {
  return createCallerRateLimiter({ redisConfigured: true, clock, logger: silentLogger, keyPrefix: PREFIX });
}

describe('caller rate limiter over Redis', () => {
  it('two instances on one Redis share one bucket: the limit holds across them', async () => {
    const a = limiter();
    const b = limiter();
    const decisions = [];
    for (let index = 0; index < 6; index++) {
      const [client, instance] = index % 2 === 0 ? [first, a] : [second, b];
      decisions.push(await instance.take({ buckets: [bucket('shared-key', 4)], cost: 1, redis: client }));
    }
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, false, false]);
    expect(decisions.map((decision) => decision.scope)).toEqual(Array(6).fill('shared'));
    expect(decisions.map((decision) => decision.buckets[0]?.remaining)).toEqual([3, 2, 1, 0, 0, 0]);
    // One token per 100 s: the refused request waits about 100 s (Redis' clock, to the ms).
    expect(decisions[4]?.buckets[0]?.waitMs).toBeGreaterThan(99_000);
    expect(decisions[4]?.buckets[0]?.waitMs).toBeLessThanOrEqual(100_000);
    const stored = await admin.hgetall(`${PREFIX}:shared-key`);
    expect(Number(stored.tokens)).toBeLessThan(1);
    expect(await admin.pttl(`${PREFIX}:shared-key`)).toBeGreaterThan(0);
  });

  it('debits every bucket of a request or none, atomically in Redis', async () => {
    const a = limiter();
    const tenant = bucket('tenant-x', 2);
    expect((await a.take({ buckets: [bucket('key-x1', 5), tenant], cost: 1, redis: first })).allowed).toBe(
      true,
    );
    expect((await a.take({ buckets: [bucket('key-x2', 5), tenant], cost: 1, redis: first })).allowed).toBe(
      true,
    );
    const refused = await a.take({ buckets: [bucket('key-x1', 5), tenant], cost: 1, redis: first });
    expect(refused.allowed).toBe(false);
    expect(refused.buckets.map((outcome) => outcome.remaining)).toEqual([4, 0]);
  });

  it('charges a batch its cost', async () => {
    const a = limiter();
    const decision = await a.take({ buckets: [bucket('batch-key', 10)], cost: 7, redis: first });
    expect(decision.buckets[0]?.remaining).toBe(3);
    expect((await a.take({ buckets: [bucket('batch-key', 10)], cost: 4, redis: second })).allowed).toBe(
      false,
    );
    expect((await a.take({ buckets: [bucket('batch-key', 10)], cost: 3, redis: second })).allowed).toBe(true);
  });

  it('loads the script again when Redis does not know its SHA (NOSCRIPT: a restarted Redis)', async () => {
    // A SHA Redis never saw stands in for a flushed script cache (SCRIPT FLUSH would disturb the
    // other suites sharing this Redis).
    const script = { sha: 'f'.repeat(40) };
    const a = createCallerRateLimiter(
      { redisConfigured: true, clock: { now: () => Date.now() }, logger: silentLogger, keyPrefix: PREFIX },
      script,
    );
    await a.take({ buckets: [bucket('noscript-key', 3)], cost: 1, redis: first });
    expect(script.sha).not.toBe('f'.repeat(40));
    const after = await a.take({ buckets: [bucket('noscript-key', 3)], cost: 1, redis: first });
    expect(after).toMatchObject({ allowed: true, scope: 'shared' });
    expect(after.buckets[0]?.remaining).toBe(1);
  });

  it('falls back to in-process buckets while Redis fails, logs it once, and returns to Redis after the pause', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const lines: string[] = [];
    const a = createCallerRateLimiter({
      redisConfigured: true,
      clock,
      logger: createJsonLogger({ level: 'debug', write: (line) => lines.push(line) }),
      keyPrefix: PREFIX,
      retryRedisAfterMs: 5000,
      connectTimeoutMs: 200,
    });
    const dead = createRedisClient('redis://127.0.0.1:1', { mode: 'per-request', logger: silentLogger });
    try {
      const decisions = [];
      for (let index = 0; index < 3; index++)
        decisions.push(await a.take({ buckets: [bucket('fallback-key', 2)], cost: 1, redis: dead }));
      expect(decisions.map((decision) => [decision.scope, decision.allowed])).toEqual([
        ['local', true],
        ['local', true],
        ['local', false],
      ]);
      expect(lines.filter((line) => line.includes('rate_limit_redis_unavailable'))).toHaveLength(1);
      now += 5000;
      const back = await a.take({ buckets: [bucket('fallback-key', 2)], cost: 1, redis: first });
      expect(back.scope).toBe('shared');
      expect(lines.some((line) => line.includes('rate_limit_redis_restored'))).toBe(true);
    } finally {
      dead.disconnect();
    }
  });
});

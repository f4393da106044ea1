import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRedisScript, type ScriptCache } from '../../../src/cache/redis-script';
import { recordingLogger } from './cache-test-support';

/**
 * The one Redis script helper of the vendor budget and the caller rate limiter, against a scripted
 * fake client (the calls it receives are asserted): EVALSHA of a script loaded once, a `NOSCRIPT`
 * reload, a timeout or an error answered by the fallback (logged, then Redis rested), the way back.
 * Timers are faked: a timeout is a step of the fake clock, never a wait on the machine.
 */

type Call = ['load', string] | ['evalsha', string, ...Array<string | number>];

interface FakeRedis {
  client: Redis;
  calls: Call[];
  status: string;
  /** What the next EVALSHA does; default: answers `[1, sha]`. */
  nextEvalsha: Array<(sha: string) => Promise<unknown>>;
}

function fakeRedis(): FakeRedis {
  const fake: FakeRedis = {
    client: undefined as unknown as Redis,
    calls: [],
    status: 'ready',
    nextEvalsha: [],
  };
  let loads = 0;
  fake.client = {
    get status() {
      return fake.status;
    },
    async script(_command: string, source: string) {
      fake.calls.push(['load', source]);
      loads += 1;
      return `sha-${loads}`;
    },
    evalsha(sha: string, _keyCount: number, ...rest: Array<string | number>) {
      fake.calls.push(['evalsha', sha, ...rest]);
      const next = fake.nextEvalsha.shift();
      return next === undefined ? Promise.resolve([1, sha]) : next(sha);
    },
  } as unknown as Redis;
  return fake;
}

function setup(overrides: { cache?: ScriptCache } = {}) {
  let now = 1_000_000;
  const clock = {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
  const logger = recordingLogger();
  const script = createRedisScript({
    source: 'return 1',
    name: 'the test script',
    clock,
    logger,
    events: { unavailable: 'test_redis_unavailable', restored: 'test_redis_restored' },
    fallbackFields: { scope: 'local' },
    timing: { commandTimeoutMs: 50, connectTimeoutMs: 400, retryRedisAfterMs: 5000 },
    ...overrides,
  });
  type Answer = { from: 'redis'; reply: unknown } | { from: 'fallback' };
  const run = (client: Redis | null) =>
    script.run<Answer>(
      client,
      ['k1'],
      ['a', 2],
      (reply) => ({ from: 'redis', reply }),
      () => ({ from: 'fallback' }),
    );
  return { clock, logger, script, run };
}

/** Whether `pending` has settled after `ms` more of fake time. */
async function settledAfter(pending: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void pending.then(() => {
    settled = true;
  });
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redis script', () => {
  it('loads the script once (SCRIPT LOAD), then calls it by SHA with its keys and arguments', async () => {
    const redis = fakeRedis();
    const cache: ScriptCache = { sha: null };
    const { run } = setup({ cache });
    expect(await run(redis.client)).toEqual({ from: 'redis', reply: [1, 'sha-1'] });
    expect(await run(redis.client)).toEqual({ from: 'redis', reply: [1, 'sha-1'] });
    expect(redis.calls).toEqual([
      ['load', 'return 1'],
      ['evalsha', 'sha-1', 'k1', 'a', 2],
      ['evalsha', 'sha-1', 'k1', 'a', 2],
    ]);
    expect(cache.sha).toBe('sha-1');
  });

  it('on NOSCRIPT (a Redis that lost its scripts) loads the script again and retries once', async () => {
    const redis = fakeRedis();
    const cache: ScriptCache = { sha: 'sha-from-before-the-restart' };
    const { run, logger } = setup({ cache });
    redis.nextEvalsha.push(() => Promise.reject(new Error('NOSCRIPT No matching script.')));
    expect(await run(redis.client)).toEqual({ from: 'redis', reply: [1, 'sha-1'] });
    expect(redis.calls).toEqual([
      ['evalsha', 'sha-from-before-the-restart', 'k1', 'a', 2],
      ['load', 'return 1'],
      ['evalsha', 'sha-1', 'k1', 'a', 2],
    ]);
    expect(cache.sha).toBe('sha-1');
    // A reload is not a failure: nothing logged, Redis not rested.
    expect(logger.events()).toEqual([]);
  });

  it('an error answers the fallback, logs once with the fallback fields, and rests Redis; then Redis again, logged', async () => {
    const redis = fakeRedis();
    const { run, logger, clock, script } = setup({ cache: { sha: 'sha-0' } });
    redis.nextEvalsha.push(() => Promise.reject(new Error('ECONNRESET')));
    expect(await run(redis.client)).toEqual({ from: 'fallback' });
    expect(script.degraded()).toBe(true);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        event: 'test_redis_unavailable',
        fields: { error: 'ECONNRESET', scope: 'local', retryInMs: 5000, suppressedSinceLast: 0 },
      },
    ]);
    // Resting: the client is not called at all.
    const callsBefore = redis.calls.length;
    clock.advance(4999);
    expect(script.available()).toBe(false);
    expect(await run(redis.client)).toEqual({ from: 'fallback' });
    expect(redis.calls).toHaveLength(callsBefore);
    // After the rest Redis is asked again; its answer ends the degraded state, logged once.
    clock.advance(1);
    expect(await run(redis.client)).toEqual({ from: 'redis', reply: [1, 'sha-0'] });
    expect(await run(redis.client)).toEqual({ from: 'redis', reply: [1, 'sha-0'] });
    expect(script.degraded()).toBe(false);
    expect(logger.lines.slice(1)).toEqual([
      { level: 'info', event: 'test_redis_restored', fields: { scope: 'shared' } },
    ]);
  });

  it('a call that outlasts its budget answers the fallback at the timeout; the late answer is dropped quietly', async () => {
    const redis = fakeRedis();
    const { run, logger, script } = setup({ cache: { sha: 'sha-0' } });
    let settleLate: (error: Error) => void = () => undefined;
    redis.nextEvalsha.push(
      () =>
        new Promise((_, reject) => {
          settleLate = reject;
        }),
    );
    const pending = run(redis.client);
    expect(await settledAfter(pending, 49)).toBe(false);
    expect(await settledAfter(pending, 1)).toBe(true);
    expect(await pending).toEqual({ from: 'fallback' });
    expect(script.degraded()).toBe(true);
    expect(logger.lines[0]?.fields['error']).toBe('the test script did not answer within 50 ms');
    // The abandoned command failing later is no unhandled rejection (vitest would fail the run).
    settleLate(new Error('Connection is closed.'));
    await vi.advanceTimersByTimeAsync(0);
  });

  it('a client still connecting gets the connect budget instead', async () => {
    const redis = fakeRedis();
    redis.status = 'connecting';
    const { run } = setup({ cache: { sha: 'sha-0' } });
    redis.nextEvalsha.push(() => new Promise(() => undefined));
    const pending = run(redis.client);
    expect(await settledAfter(pending, 399)).toBe(false);
    expect(await settledAfter(pending, 1)).toBe(true);
    expect(await pending).toEqual({ from: 'fallback' });
  });

  it('a reply the caller cannot read counts as a failure', async () => {
    const redis = fakeRedis();
    const { script, logger } = setup({ cache: { sha: 'sha-0' } });
    const answer = await script.run(
      redis.client,
      ['k1'],
      [],
      () => {
        throw new TypeError('unexpected reply');
      },
      () => 'fallback',
    );
    expect(answer).toBe('fallback');
    expect(logger.events()).toEqual(['test_redis_unavailable']);
  });

  it('without a client answers the fallback and changes nothing', async () => {
    const { run, script, logger } = setup();
    expect(await run(null)).toEqual({ from: 'fallback' });
    expect(script.degraded()).toBe(false);
    expect(script.available()).toBe(true);
    expect(logger.events()).toEqual([]);
  });

  it('logs a failing Redis once per 30 s, with the count held back', async () => {
    const redis = fakeRedis();
    const { run, logger, clock } = setup({ cache: { sha: 'sha-0' } });
    for (let failure = 0; failure < 3; failure++) {
      redis.nextEvalsha.push(() => Promise.reject(new Error('ECONNREFUSED')));
      expect(await run(redis.client)).toEqual({ from: 'fallback' });
      clock.advance(5000);
      await vi.advanceTimersByTimeAsync(5000);
    }
    await vi.advanceTimersByTimeAsync(30_000);
    clock.advance(30_000);
    redis.nextEvalsha.push(() => Promise.reject(new Error('ECONNREFUSED')));
    await run(redis.client);
    expect(
      logger.lines.filter((line) => line.event === 'test_redis_unavailable').map((line) => line.fields),
    ).toEqual([
      expect.objectContaining({ suppressedSinceLast: 0 }),
      expect.objectContaining({ suppressedSinceLast: 2 }),
    ]);
  });

  it('runQuietly (a refund) ignores a failure and does not rest Redis', async () => {
    const redis = fakeRedis();
    const { script, logger } = setup({ cache: { sha: 'sha-0' } });
    redis.nextEvalsha.push(() => Promise.reject(new Error('ECONNRESET')));
    script.runQuietly(redis.client, ['k1'], ['refund']);
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.calls).toEqual([['evalsha', 'sha-0', 'k1', 'refund']]);
    expect(script.available()).toBe(true);
    expect(script.degraded()).toBe(false);
    expect(logger.events()).toEqual([]);
  });
});

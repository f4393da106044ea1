import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey } from '../../../src/cache/cache-key';
import type { TokenReservation } from '../../../src/http/rate-budget';
import {
  createSharedBudgets,
  SHARED_BUDGET_SCRIPT,
  type SharedBudgetsOptions,
} from '../../../src/http/shared-rate-budget';
import { recordingLogger } from '../../unit/cache/cache-test-support';

/**
 * The Redis token bucket against the real Redis. Each "instance" is its own `createSharedBudgets`
 * with its own connection, as separate gateway processes would have. Every test uses its own key
 * version, so runs sharing the Redis never touch each other's buckets.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const usedKeys: string[] = [];
let admin: Redis;

function connect(): Redis {
  const client = new Redis(REDIS_URL);
  clients.push(client);
  return client;
}

function uniqueKeyFor(): (connectionKey: string) => string {
  const version = `it-budget-${process.pid}-${randomUUID()}`;
  return (connectionKey) => {
    const key = budgetKey({ version, tenant: connectionKey, vendor: 'chargebee' });
    usedKeys.push(key);
    return key;
  };
}

/** One gateway instance's budgets on its own Redis connection. */
function instance(keyFor: (connectionKey: string) => string, overrides: Partial<SharedBudgetsOptions> = {}) {
  const client = connect();
  const logger = recordingLogger();
  const budgets = createSharedBudgets({
    redisFor: () => client,
    redisConfigured: true,
    keyFor,
    clock: { now: () => Date.now() },
    logger,
    ...overrides,
  });
  return { budgets, logger, client };
}

beforeAll(() => {
  admin = connect();
});

afterAll(async () => {
  if (usedKeys.length > 0) await admin.del(...new Set(usedKeys));
  await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
});

describe('the shared request budget (Redis token bucket)', () => {
  it('is one bucket across instances: three instances together get exactly the burst, the rest are told when', async () => {
    const keyFor = uniqueKeyFor();
    const settings = { requestsPerMinute: 60, burst: 5 };
    const instances = [instance(keyFor), instance(keyFor), instance(keyFor)];
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, index) =>
        instances[index % 3]?.budgets.budgetFor('tenant-a', settings).reserve(0),
      ),
    );
    const granted = answers.filter((answer) => answer?.granted === true);
    const refused = answers.filter(
      (answer): answer is Extract<TokenReservation, { granted: false }> => answer?.granted === false,
    );
    expect(granted).toHaveLength(5);
    expect(granted.every((answer) => answer?.granted === true && answer.waitMs === 0)).toBe(true);
    expect(refused).toHaveLength(10);
    // One token per second: the next one is at most a second away, and not now.
    for (const answer of refused) {
      expect(answer.retryAfterMs).toBeGreaterThan(0);
      expect(answer.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    // Every instance reports the shared scope.
    for (const each of instances) expect(each.budgets.scope()).toBe('shared');
  });

  it('queues waiting callers of all instances in order: each reservation waits one refill interval more', async () => {
    const keyFor = uniqueKeyFor();
    // One token per 10 s, so the few milliseconds between calls cannot blur the spacing.
    const settings = { requestsPerMinute: 6, burst: 1 };
    const [first, second] = [instance(keyFor), instance(keyFor)];
    const waits: number[] = [];
    for (let index = 0; index < 4; index++) {
      const budgets = index % 2 === 0 ? first : second;
      const answer = await budgets?.budgets.budgetFor('tenant-q', settings).reserve(60_000);
      if (answer?.granted !== true) throw new Error('expected a reservation');
      waits.push(answer.waitMs);
    }
    expect(waits[0]).toBe(0);
    for (const [index, wait] of waits.entries()) {
      if (index === 0) continue;
      expect(wait).toBeGreaterThan(index * 10_000 - 1000);
      expect(wait).toBeLessThanOrEqual(index * 10_000);
    }
  });

  it('uses Redis time: an instance whose clock runs an hour ahead gets no extra tokens', async () => {
    const keyFor = uniqueKeyFor();
    const settings = { requestsPerMinute: 60, burst: 3 };
    const onTime = instance(keyFor);
    const ahead = instance(keyFor, { clock: { now: () => Date.now() + 3_600_000 } });
    const answers: TokenReservation[] = [];
    for (let index = 0; index < 6; index++) {
      const budgets = index % 2 === 0 ? onTime : ahead;
      answers.push(await budgets.budgets.budgetFor('tenant-skew', settings).reserve(0));
    }
    // A bucket refilled from the fast instance's clock would have been full again on every call.
    expect(answers.filter((answer) => answer.granted)).toHaveLength(3);
    const [seconds] = await admin.time();
    const stored = await admin.hget(keyFor('tenant-skew'), 'at');
    expect(Math.abs(Number(stored) - Number(seconds) * 1000)).toBeLessThan(60_000);
  });

  it('takes a refunded token back into the shared bucket', async () => {
    const keyFor = uniqueKeyFor();
    const settings = { requestsPerMinute: 1, burst: 2 };
    const { budgets } = instance(keyFor);
    const budget = budgets.budgetFor('tenant-refund', settings);
    expect((await budget.reserve(0)).granted).toBe(true);
    expect((await budget.reserve(0)).granted).toBe(true);
    expect((await budget.reserve(0)).granted).toBe(false);
    budget.refund();
    // The refund is fire-and-forget; one connection runs its commands in order, so the next
    // reservation on it sees the token.
    expect((await budget.reserve(0)).granted).toBe(true);
    expect((await budget.reserve(0)).granted).toBe(false);
  });

  it('loads the script again and retries when Redis answers NOSCRIPT', async () => {
    const keyFor = uniqueKeyFor();
    const script = { sha: '0'.repeat(40) };
    const client = connect();
    const budgets = createSharedBudgets(
      {
        redisFor: () => client,
        redisConfigured: true,
        keyFor,
        clock: { now: () => Date.now() },
        logger: recordingLogger(),
      },
      script,
    );
    const answer = await budgets.budgetFor('tenant-noscript', { requestsPerMinute: 60, burst: 2 }).reserve(0);
    expect(answer).toEqual({ granted: true, waitMs: 0 });
    expect(script.sha).toBe(createHash('sha1').update(SHARED_BUDGET_SCRIPT).digest('hex'));
    expect(await admin.hget(keyFor('tenant-noscript'), 'tokens')).toBe('1');
  });
});

describe('the shared request budget when Redis fails', () => {
  let silentServer: Server;
  let silentPort = 0;
  const sockets: Socket[] = [];
  let closedPort = 0;

  beforeAll(async () => {
    // Accepts connections and never answers: a Redis that hangs.
    silentServer = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    silentPort = (silentServer.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silentServer.close(() => resolve()));
  });

  it('falls back to the conservative local share, logs once, and returns to Redis after the pause', async () => {
    const dead = new Redis({
      port: closedPort,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    clients.push(dead);
    let useDead = true;
    const live = connect();
    let now = 1_000_000;
    const logger = recordingLogger();
    const keyFor = uniqueKeyFor();
    const budgets = createSharedBudgets({
      redisFor: () => (useDead ? dead : live),
      redisConfigured: true,
      keyFor,
      clock: { now: () => now },
      logger,
      fallbackShare: 0.5,
      retryRedisAfterMs: 5000,
    });
    const budget = budgets.budgetFor('tenant-down', { requestsPerMinute: 60, burst: 4 });
    // The fallback starts empty (the shared bucket may just have handed out its burst) and refills
    // at half the rate (a token per 2 s), up to half the burst.
    expect(await budget.reserve(0)).toEqual({ granted: false, retryAfterMs: 2000 });
    now += 10_000;
    const answers = [];
    for (let index = 0; index < 3; index++) answers.push(await budget.reserve(0));
    expect(answers.map((answer) => answer.granted)).toEqual([true, true, false]);
    expect(budgets.scope()).toBe('degraded');
    expect(logger.events().filter((event) => event === 'rate_budget_redis_unavailable')).toHaveLength(1);

    // Redis is back, but the pause (5 s from the last failure) has not run out: still the
    // fallback, no Redis call.
    useDead = false;
    now = 1_000_000 + 10_000 + 1000;
    await budget.reserve(0);
    expect(await admin.exists(keyFor('tenant-down'))).toBe(0);
    now += 5000;
    expect(await budget.reserve(0)).toEqual({ granted: true, waitMs: 0 });
    expect(await admin.exists(keyFor('tenant-down'))).toBe(1);
    expect(budgets.scope()).toBe('shared');
    expect(logger.events()).toContain('rate_budget_redis_restored');
  });

  it('never waits on a Redis that does not answer longer than its timeout', async () => {
    const hanging = new Redis({
      port: silentPort,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    });
    hanging.on('error', () => undefined);
    clients.push(hanging);
    const logger = recordingLogger();
    const budgets = createSharedBudgets({
      redisFor: () => hanging,
      redisConfigured: true,
      keyFor: uniqueKeyFor(),
      clock: { now: () => Date.now() },
      logger,
      commandTimeoutMs: 100,
      connectTimeoutMs: 100,
    });
    const answer = await budgets
      .budgetFor('tenant-hang', { requestsPerMinute: 60, burst: 8 })
      .reserve(60_000);
    // Answered by the fallback: empty at first, a quarter of the rate by default (a token per 4 s).
    if (!answer.granted) throw new Error('expected a reservation from the fallback');
    expect(answer.waitMs).toBeGreaterThan(3900);
    expect(answer.waitMs).toBeLessThanOrEqual(4000);
    expect(logger.lines.find((line) => line.event === 'rate_budget_redis_unavailable')?.fields.error).toMatch(
      /did not answer within 100 ms/,
    );
    hanging.disconnect();
  });

  it('without Redis uses the in-process bucket at the full limit and says so', async () => {
    const budgets = createSharedBudgets({
      redisFor: () => null,
      redisConfigured: false,
      keyFor: uniqueKeyFor(),
      clock: { now: () => 0 },
      logger: recordingLogger(),
    });
    const budget = budgets.budgetFor('tenant-local', { requestsPerMinute: 60, burst: 4 });
    const answers = [0, 1, 2, 3, 4].map(() => budget.reserve(0));
    expect(answers.map((answer) => (answer as TokenReservation).granted)).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(budgets.scope()).toBe('local');
  });
});

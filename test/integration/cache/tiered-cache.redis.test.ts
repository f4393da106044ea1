import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEntry } from '../../../src/cache/cache-entry';
import { lockKeyOf } from '../../../src/cache/cache-key';
import { createCacheState } from '../../../src/cache/cache-state';
import type { InvalidationMessage } from '../../../src/cache/invalidation-bus';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../../src/cache/redis-client';
import { epochKeyOf } from '../../../src/cache/redis-epoch';
import { createTieredCache, type TieredCacheOptions } from '../../../src/cache/tiered-cache';
import {
  type ManualClock,
  manualClock,
  recordingLogger,
  scriptedLoader,
  trackingWaitUntil,
} from '../../unit/cache/cache-test-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// A key version of its own keeps parallel runs (and other test files) out of each other's keys.
const VERSION = `it-tiered-${process.pid}-${Date.now().toString(36)}`;
const FRESH_MS = 60_000;
const STALE_MS = 240_000;
const NEGATIVE_MS = 10_000;

interface Snapshot {
  customerId: string;
  plan: string;
}
type Namespaces = { snapshot: Snapshot };

let admin: Redis;
const openClients: Redis[] = [];
let nextId = 0;

function customer(): { tenant: string; vendor: string; id: string } {
  nextId += 1;
  return { tenant: 'acme', vendor: 'chargebee', id: `cus:${nextId}` };
}

async function sharedClient(url = REDIS_URL): Promise<Redis> {
  const client = createRedisClient(url, { mode: 'shared', logger: recordingLogger() });
  openClients.push(client);
  if (url === REDIS_URL) expect(await waitForRedisReady(client, 3000)).toBe(true);
  return client;
}

/** One gateway instance: its own memory tier, breaker, metrics and Redis client. */
async function instance(
  overrides: Partial<Omit<TieredCacheOptions<Namespaces>, 'state' | 'namespaces' | 'waitUntil'>> & {
    clock?: ManualClock;
  } = {},
) {
  const { clock: givenClock, ...cacheOverrides } = overrides;
  const clock = givenClock ?? manualClock(Date.now());
  const logger = recordingLogger();
  const background = trackingWaitUntil();
  const redis = cacheOverrides.redis === undefined ? await sharedClient() : cacheOverrides.redis;
  const state = createCacheState({
    clock,
    logger,
    redisBreakerOpenMs: 5000,
    redisBreakerFailureThreshold: 3,
  });
  const cache = createTieredCache<Namespaces>({
    keyVersion: VERSION,
    // Real Redis round trips and lock waits on a busy shared machine: limits only a hang reaches.
    // The tests about timeouts and lock waits set their own.
    redisCommandTimeoutMs: 5_000,
    redisConnectTimeoutMs: 5_000,
    lockWaitMs: 15_000,
    ...cacheOverrides,
    state,
    redis,
    waitUntil: background.waitUntil,
    namespaces: { snapshot: { freshMs: FRESH_MS, staleMs: STALE_MS, negativeTtlMs: NEGATIVE_MS } },
  });
  return { clock, logger, background, state, cache, redis };
}

async function storedEntry(key: string): Promise<Record<string, unknown> | null> {
  const json = await admin.get(key);
  return json === null ? null : (JSON.parse(json) as Record<string, unknown>);
}

/** Polls until `condition` holds; only for conditions the test itself keeps true until it acts. */
async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  admin = new Redis(REDIS_URL);
  await admin.ping();
});

afterAll(async () => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `eg:${VERSION}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length > 0) await admin.del(...keys);
  await Promise.all(openClients.map((client) => closeRedisClient(client)));
  await admin.quit();
});

describe('tiered cache over a real Redis', () => {
  it('both tiers miss: loads once and writes Redis as JSON with PX at staleUntil', async () => {
    const { cache, state } = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });

    const result = await cache.snapshot.swr(who, loader.load);

    expect(result).toMatchObject({ status: 'miss', tier: 'loader', value: { plan: 'pro' } });
    const key = cache.snapshot.key(who);
    expect(await storedEntry(key)).toEqual({
      value: { customerId: who.id, plan: 'pro' },
      freshUntil: result.freshUntil,
      staleUntil: result.staleUntil,
      storedAt: result.storedAt,
    });
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(FRESH_MS + STALE_MS - 2_000);
    expect(pttl).toBeLessThanOrEqual(FRESH_MS + STALE_MS);
    expect(await admin.get(lockKeyOf(key))).toBeNull(); // the load lock was released
    expect(state.memory.peek(key)?.entry.value).toEqual({ customerId: who.id, plan: 'pro' });
  });

  it('L1 hit: a fresh memory entry is served without Redis (it survives a Redis-side delete)', async () => {
    const { cache, clock } = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    await cache.snapshot.swr(who, loader.load);
    await admin.del(cache.snapshot.key(who)); // only memory has it now
    clock.advance(500);

    const hit = await cache.snapshot.swr(who, loader.load);

    expect(hit).toMatchObject({ status: 'hit', tier: 'memory', value: { plan: 'pro' } });
    expect(loader.calls()).toBe(1);
  });

  it('L1 miss + L2 hit: serves from Redis and backfills memory', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    await a.cache.snapshot.swr(who, loader.load);
    const key = b.cache.snapshot.key(who);
    expect(b.state.memory.peek(key)).toBeUndefined();

    const fromRedis = await b.cache.snapshot.swr(who, loader.load);
    expect(fromRedis).toMatchObject({ status: 'hit', tier: 'redis', value: { plan: 'pro' } });
    expect(b.state.memory.peek(key)?.entry.storedAt).toBe(fromRedis.storedAt); // backfilled

    await admin.del(key); // prove the next answer comes from b's memory, not Redis
    const fromMemory = await b.cache.snapshot.swr(who, loader.load);
    expect(fromMemory).toMatchObject({ status: 'hit', tier: 'memory', value: { plan: 'pro' } });
    expect(loader.calls()).toBe(1);
    expect(b.state.metrics).toMatchObject({ redisHits: 1, memoryHits: 1, loads: 0 });
  });

  it('serves stale and refreshes exactly once, writing the new value to Redis', async () => {
    const { cache, clock, background } = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    const first = await cache.snapshot.swr(who, loader.load);
    loader.answer({ customerId: who.id, plan: 'enterprise' });
    clock.advance(FRESH_MS + 1_000);

    const stale = await Promise.all(Array.from({ length: 20 }, () => cache.snapshot.swr(who, loader.load)));
    expect(stale.every((result) => result.status === 'stale' && result.value?.plan === 'pro')).toBe(true);
    expect(stale[0]?.ttlSeconds).toBe(-1);
    expect(background.tasks).toHaveLength(1);
    await background.settle();

    expect(loader.calls()).toBe(2);
    const stored = await storedEntry(cache.snapshot.key(who));
    expect(stored?.['value']).toEqual({ customerId: who.id, plan: 'enterprise' });
    expect(stored?.['storedAt']).toBe(first.storedAt + FRESH_MS + 1_000);
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'hit',
      value: { plan: 'enterprise' },
    });
  });

  it('a stale instance whose peer is refreshing takes the peer result instead of loading', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'v1' });
    await a.cache.snapshot.swr(who, loader.load);
    await b.cache.snapshot.swr(who, loader.load); // backfills b
    loader.answer({ customerId: who.id, plan: 'v2' });
    const release = loader.hold(); // a's refresh holds the lock until the test lets it finish
    a.clock.advance(FRESH_MS + 1);
    b.clock.advance(FRESH_MS + 1);

    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({ status: 'stale' });
    await until(async () => (await admin.exists(lockKeyOf(a.cache.snapshot.key(who)))) === 1); // a holds the lock
    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({ status: 'stale' });
    await until(async () => b.state.metrics.lockWaits === 1); // b found the lock and waits for a
    release();
    await Promise.all([a.background.settle(), b.background.settle()]);

    expect(loader.calls()).toBe(2); // the first load and a's refresh; b waited for a
    expect(b.state.metrics.lockWaits).toBe(1);
    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'hit',
      tier: 'memory',
      value: { plan: 'v2' },
    });
  });

  it('a failing refresh keeps the stale entry in both tiers; past staleUntil the error surfaces', async () => {
    const { cache, clock, background, logger } = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    const first = await cache.snapshot.swr(who, loader.load);
    loader.fail(new Error('vendor unavailable'));
    clock.advance(FRESH_MS + 10_000);

    const stale = await cache.snapshot.swr(who, loader.load);
    await background.settle();

    expect(stale).toMatchObject({ status: 'stale', value: { plan: 'pro' } });
    expect(logger.events()).toContain('cache_background_refresh_failed');
    expect((await storedEntry(cache.snapshot.key(who)))?.['storedAt']).toBe(first.storedAt);
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'stale',
      value: { plan: 'pro' },
    });
    await background.settle();

    clock.advance(STALE_MS);
    await expect(cache.snapshot.swr(who, loader.load)).rejects.toThrow('vendor unavailable');
  });

  it('stores negative entries in Redis with their own short TTL and lets them expire', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>(null);

    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({ status: 'miss', value: null });
    const key = a.cache.snapshot.key(who);
    expect((await storedEntry(key))?.['value']).toBeNull();
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(NEGATIVE_MS - 2_000);
    expect(pttl).toBeLessThanOrEqual(NEGATIVE_MS);

    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'hit',
      tier: 'redis',
      value: null,
    });
    loader.answer({ customerId: who.id, plan: 'created' });
    b.clock.advance(NEGATIVE_MS + 1);
    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'created' },
    });
    expect(loader.calls()).toBe(2);
  });

  it('forceRefresh reloads a fresh entry everywhere; a failing forced refresh serves it flagged', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    await a.cache.snapshot.swr(who, loader.load);
    loader.answer({ customerId: who.id, plan: 'upgraded' });

    const forced = await b.cache.snapshot.swr(who, loader.load, { forceRefresh: true });
    expect(forced).toMatchObject({ status: 'refresh', tier: 'loader', value: { plan: 'upgraded' } });
    expect((await storedEntry(b.cache.snapshot.key(who)))?.['value']).toEqual({
      customerId: who.id,
      plan: 'upgraded',
    });

    loader.fail(new Error('vendor down'));
    const fallback = await b.cache.snapshot.swr(who, loader.load, { forceRefresh: true });
    expect(fallback).toMatchObject({ status: 'stale', staleIfError: true, value: { plan: 'upgraded' } });
  });

  it('keeps answering when Redis drops mid-test: errors counted, breaker opens, then recovers', async () => {
    const { cache, clock, state, redis, logger } = await instance();
    if (redis === null) throw new Error('expected a client');
    const warm = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: 'x', plan: 'pro' });
    await cache.snapshot.swr(warm, loader.load);

    redis.disconnect();
    const cold = await cache.snapshot.swr(customer(), loader.load);
    expect(cold).toMatchObject({ status: 'miss', tier: 'loader', value: { plan: 'pro' } });
    expect(state.metrics.redisErrors).toBe(3); // GET, lock SET NX, entry SET
    expect(state.breaker.state).toBe('open');
    expect(logger.events()).toContain('cache_redis_breaker_open');

    await cache.snapshot.swr(customer(), loader.load);
    expect(state.metrics.redisErrors).toBe(3); // the breaker now skips Redis instead of failing on it
    expect(state.metrics.redisSkipped).toBeGreaterThanOrEqual(3);
    clock.advance(3_000); // past memoryTrustMs: memory is served because Redis cannot be asked
    expect(await cache.snapshot.swr(warm, loader.load)).toMatchObject({ status: 'hit', tier: 'memory' });
    expect(await cache.health()).toMatchObject({ redis: 'down', breaker: 'open' });

    // disconnect() reports `end` only once the socket has closed; connect() before that is refused.
    if (redis.status !== 'end') await new Promise((resolve) => redis.once('end', resolve));
    await redis.connect();
    expect(await waitForRedisReady(redis, 3000)).toBe(true);
    clock.advance(5_000);
    expect(await cache.health()).toMatchObject({ redis: 'up', breaker: 'closed' }); // the PING was the probe
    expect(loader.calls()).toBe(3);
  });

  it('a cache pointed at a closed port answers from the loader and memory, counting errors', async () => {
    const port = await closedPort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, {
      mode: 'shared',
      logger: recordingLogger(),
    });
    openClients.push(client);
    const { cache, state } = await instance({ redis: client });
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });

    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'pro' },
    });
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({ status: 'hit', tier: 'memory' });
    // Refused at once, never waited for: errors (GET, lock SET NX, entry SET), no timeout.
    expect(state.metrics.redisErrors).toBe(3);
    expect(state.metrics.redisTimeouts).toBe(0);
    expect(state.breaker.state).toBe('open');
    expect((await cache.health()).redis).toBe('down');
    expect((await cache.delete(cache.snapshot.key(who))).redis).toBe('unavailable');
  });

  it('times out a Redis that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    // Silent by default; while `answering`, it completes ioredis' connection handshake with +OK.
    let answering = false;
    const blackhole: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk: Buffer) => {
        if (!answering) return;
        const commands = chunk.toString('latin1').match(/(?:^|\n)\*\d+\r\n/g)?.length ?? 0;
        socket.write('+OK\r\n'.repeat(commands));
      });
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const address = blackhole.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const url = `redis://127.0.0.1:${address.port}`;
    const client = createRedisClient(url, { mode: 'per-request', logger: recordingLogger() });
    const handshaken = createRedisClient(url, { mode: 'per-request', logger: recordingLogger() });
    try {
      const { cache, state, logger } = await instance({
        redis: client,
        redisCommandTimeoutMs: 100,
        redisConnectTimeoutMs: 300,
      });
      const who = customer();
      const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });

      const started = Date.now();
      const result = await cache.snapshot.swr(who, loader.load);
      const elapsed = Date.now() - started;

      expect(result).toMatchObject({ status: 'miss', value: { plan: 'pro' } });
      expect(state.metrics.redisTimeouts).toBe(3);
      expect(state.metrics.redisErrors).toBe(0);
      expect(state.breaker.state).toBe('open');
      // The handshake is never answered, so the client never becomes ready: each of the three
      // commands (GET, lock SET NX, entry SET) waits the 300 ms connect timeout, one after the other.
      // Timers never fire early, so only a wait that was skipped or shortened comes out below this.
      expect(client.status).not.toBe('ready');
      expect(elapsed).toBeGreaterThanOrEqual(3 * 300 - 50);
      expect(logger.lines.find((line) => line.event === 'cache_redis_timeout')?.fields).toMatchObject({
        timeoutMs: 300,
      });

      // Connected (handshake answered), then silent: the 100 ms command timeout applies.
      answering = true;
      await handshaken.connect();
      expect(handshaken.status).toBe('ready');
      answering = false;
      const connected = await instance({
        redis: handshaken,
        redisCommandTimeoutMs: 100,
        redisConnectTimeoutMs: 300,
      });
      expect(await connected.cache.health()).toMatchObject({ redis: 'down', redisLatencyMs: null });
      expect(connected.state.metrics.redisTimeouts).toBe(1);
      expect(
        connected.logger.lines.find((line) => line.event === 'cache_redis_timeout')?.fields,
      ).toMatchObject({ operation: 'ping', timeoutMs: 100 });
    } finally {
      client.disconnect();
      handshaken.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackhole.close(() => resolve()));
    }
  });

  it('200 concurrent cold callers in one process make exactly one loader call', async () => {
    const { cache, state } = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
    loader.delay(30);

    const results = await Promise.all(
      Array.from({ length: 200 }, () => cache.snapshot.swr(who, loader.load)),
    );

    expect(loader.calls()).toBe(1);
    expect(results.every((result) => result.status === 'miss' && result.value?.plan === 'pro')).toBe(true);
    expect(state.metrics.loads).toBe(1);
  });

  it('200 concurrent cold callers on each of two instances sharing Redis make exactly one loader call', async () => {
    const a = await instance();
    const b = await instance();
    for (const delayMs of [50, 0]) {
      const who = customer();
      const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });
      loader.delay(delayMs);
      const calls = Array.from({ length: 400 }, (_, index) =>
        (index % 2 === 0 ? a : b).cache.snapshot.swr(who, loader.load),
      );

      const results = await Promise.all(calls);

      expect(loader.calls()).toBe(1);
      expect(new Set(results.map((result) => result.storedAt)).size).toBe(1);
      expect(results.every((result) => result.value?.plan === 'pro')).toBe(true);
      expect(await admin.get(lockKeyOf(a.cache.snapshot.key(who)))).toBeNull();
    }
    expect(a.state.metrics.loads + b.state.metrics.loads).toBe(2);
  });

  it('after taking the lock, re-reads Redis so a peer that finished just before is not loaded again', async () => {
    const { cache, redis } = await instance();
    if (redis === null) throw new Error('expected a client');
    const who = customer();
    const key = cache.snapshot.key(who);
    const peerEntry = createEntry(
      { customerId: who.id, plan: 'from-peer' },
      { freshMs: FRESH_MS, staleMs: STALE_MS, negativeTtlMs: NEGATIVE_MS },
      Date.now(),
    );
    await admin.set(key, JSON.stringify(peerEntry), 'PX', 60_000);
    // The race, made deterministic: our first read happened just before the peer stored its value
    // and released its lock.
    vi.spyOn(redis, 'mget').mockResolvedValueOnce([null, null]);
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'own' });

    const result = await cache.snapshot.swr(who, loader.load);

    expect(loader.calls()).toBe(0);
    expect(result).toMatchObject({
      status: 'miss',
      tier: 'redis',
      collapsed: true,
      value: { plan: 'from-peer' },
    });
    expect(await admin.get(lockKeyOf(key))).toBeNull();
  });

  it('waits for a lock held by a stuck peer only lockWaitMs, then loads, leaving the foreign lock alone', async () => {
    const { cache, state, logger } = await instance({ lockWaitMs: 200 });
    const who = customer();
    const lockKey = lockKeyOf(cache.snapshot.key(who));
    await admin.set(lockKey, 'another-instance', 'PX', 10_000);
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });

    const started = Date.now();
    const result = await cache.snapshot.swr(who, loader.load);

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(result).toMatchObject({ status: 'miss', tier: 'loader' });
    expect(loader.calls()).toBe(1);
    expect(state.metrics).toMatchObject({ lockWaits: 1, lockWaitTimeouts: 1 });
    expect(logger.events()).toContain('cache_lock_wait_timeout');
    expect(await admin.get(lockKey)).toBe('another-instance'); // compare-and-delete did not touch it
  });

  it('takes the value a peer stores while holding the lock, without loading', async () => {
    const { cache, state } = await instance();
    const who = customer();
    const key = cache.snapshot.key(who);
    await admin.set(lockKeyOf(key), 'peer', 'PX', 10_000);
    const peerEntry = createEntry(
      { customerId: who.id, plan: 'from-peer' },
      { freshMs: FRESH_MS, staleMs: STALE_MS, negativeTtlMs: NEGATIVE_MS },
      Date.now(),
    );
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'own' });

    const pending = cache.snapshot.swr(who, loader.load);
    // The peer finishes only once we are waiting for it.
    await until(async () => state.metrics.lockWaits === 1);
    await admin.set(key, JSON.stringify(peerEntry), 'PX', 60_000);
    await admin.del(lockKeyOf(key));
    const result = await pending;

    expect(result).toMatchObject({
      status: 'miss',
      tier: 'redis',
      collapsed: true,
      value: { plan: 'from-peer' },
    });
    expect(loader.calls()).toBe(0);
  });

  it('loads itself when the peer holding the lock fails (lock released, no value)', async () => {
    const { cache, state } = await instance();
    const who = customer();
    const lockKey = lockKeyOf(cache.snapshot.key(who));
    await admin.set(lockKey, 'peer', 'PX', 10_000);
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'own' });

    const pending = cache.snapshot.swr(who, loader.load);
    // The peer gives up (its lock goes, no value) only once we are waiting for it.
    await until(async () => state.metrics.lockWaits === 1);
    await admin.del(lockKey);
    const result = await pending;

    expect(result).toMatchObject({ status: 'miss', tier: 'loader', value: { plan: 'own' } });
    // It loaded because the lock went away, not because the (15 s) wait ran out.
    expect(state.metrics).toMatchObject({ lockWaits: 1, lockWaitTimeouts: 0 });
    expect(loader.calls()).toBe(1);
    expect(await admin.get(lockKey)).toBeNull();
  });

  it('delete removes every tier; another instance drops its memory copy once memoryTrustMs has passed', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const other = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'old' });
    await a.cache.snapshot.swr(who, loader.load);
    await a.cache.snapshot.swr(other, loader.load);
    await b.cache.snapshot.swr(who, loader.load); // b has it in memory now
    const key = a.cache.snapshot.key(who);

    expect(await a.cache.delete(key)).toEqual({ memoryDeleted: 1, redis: 'deleted', redisDeleted: 1 });
    expect(await admin.exists(key)).toBe(0);
    expect(a.state.memory.peek(key)).toBeUndefined();

    loader.answer({ customerId: who.id, plan: 'new' });
    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({
      tier: 'memory',
      value: { plan: 'old' },
    });
    b.clock.advance(2_000);
    expect(await b.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'new' },
    });

    const many = await a.cache.deleteMany([key, a.cache.snapshot.key(other)]);
    expect(many).toEqual({ memoryDeleted: 1, redis: 'deleted', redisDeleted: 2 });
  });

  it('Redis losing its data is no invalidation: memory copies are served stale while they reload, stale-if-error while the vendor fails', async () => {
    const a = await instance();
    const b = await instance();
    const who = customer();
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'before' });
    const key = a.cache.snapshot.key(who);
    await a.cache.snapshot.swr(who, loader.load);
    // Past the memory trust window: a's next read confirms its copy in Redis (and reads the marker).
    a.clock.advance(2_001);
    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({ status: 'hit', tier: 'memory' });
    const marker = await admin.get(epochKeyOf(VERSION));
    expect(marker).not.toBeNull();

    // Redis restarts empty (this run's keys only: the Redis is shared): the entry and the marker are gone.
    await admin.del(key, epochKeyOf(VERSION));
    loader.fail(new Error('vendor unavailable'));
    a.clock.advance(2_001);
    const afterLoss = await a.cache.snapshot.swr(who, loader.load);
    expect(afterLoss).toMatchObject({ status: 'stale', tier: 'memory', value: { plan: 'before' } });
    expect(afterLoss.ttlSeconds).toBeLessThan(0);
    expect(a.logger.events()).toContain('cache_redis_data_lost');
    await a.background.settle();
    // The reload failed: the copy is still served, now flagged stale-if-error, never an error.
    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'stale',
      staleIfError: true,
      value: { plan: 'before' },
    });
    await a.background.settle();
    // The marker is back (a new one), and the next successful reload is served and stored again.
    const renewed = await admin.get(epochKeyOf(VERSION));
    expect(renewed).not.toBeNull();
    expect(renewed).not.toBe(marker);
    loader.answer({ customerId: who.id, plan: 'after' });
    // Time moves on (a copy stored in the very millisecond of the loss would count as outdated too).
    a.clock.advance(1_000);
    await a.cache.snapshot.swr(who, loader.load);
    await a.background.settle();
    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'hit',
      value: { plan: 'after' },
    });
    expect((await storedEntry(key))?.['value']).toEqual({ customerId: who.id, plan: 'after' });

    // Invalidations after the loss still reach memory: b drops the entry, a's copy goes at its next check.
    expect(await b.cache.delete(key)).toMatchObject({ redis: 'deleted' });
    loader.answer({ customerId: who.id, plan: 'changed' });
    a.clock.advance(2_001);
    expect(await a.cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'changed' },
    });
    expect(a.logger.events().filter((event) => event === 'cache_redis_data_lost')).toHaveLength(1);
  });

  it('treats an unreadable Redis value as a miss and overwrites it', async () => {
    const { cache, logger } = await instance();
    const who = customer();
    const key = cache.snapshot.key(who);
    await admin.set(key, '{"not":"an entry"}', 'PX', 60_000);
    const loader = scriptedLoader<Snapshot>({ customerId: who.id, plan: 'pro' });

    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'pro' },
    });
    expect(logger.events()).toContain('cache_entry_unreadable');
    expect((await storedEntry(key))?.['value']).toEqual({ customerId: who.id, plan: 'pro' });
  });

  it('reports Redis health with a PING and its round-trip time', async () => {
    const { cache, redis } = await instance();
    if (redis === null) throw new Error('expected a client');
    // A PING made 40 ms slower must show in the reported latency (timers never fire early, so only a
    // latency that is not measured around the PING can come out below 30).
    const ping = redis.ping.bind(redis) as () => Promise<'PONG'>;
    const pings = vi.spyOn(redis, 'ping').mockImplementation((async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return ping();
    }) as typeof redis.ping);

    const health = await cache.health();

    expect(pings).toHaveBeenCalledTimes(1);
    expect(health).toMatchObject({ redis: 'up', breaker: 'closed' });
    expect(health.redisLatencyMs).toBeGreaterThanOrEqual(30);
  });
});

describe('changes to the shared tier are reported for the invalidation bus', () => {
  it('a stored value, a delete and a scope invalidation each report once, after Redis took them', async () => {
    const messages: InvalidationMessage[] = [];
    const { cache, clock } = await instance({ onChange: (message) => messages.push(message) });
    const parts = customer();
    const key = cache.snapshot.key(parts);
    await cache.snapshot.swr(parts, scriptedLoader<Snapshot>({ customerId: parts.id, plan: 'gold' }).load);
    expect(messages).toEqual([{ kind: 'write', key, storedAt: clock.now() }]);
    await cache.snapshot.delete(parts);
    expect(messages[1]).toEqual({ kind: 'delete', keys: [key] });
    await cache.snapshot.invalidateAll({ tenant: parts.tenant, vendor: parts.vendor });
    expect(messages[2]).toEqual({
      kind: 'scope',
      scopeKey: key.slice(0, key.lastIndexOf(':')),
      generation: clock.now(),
    });
    expect(messages).toHaveLength(3);
  });

  it('reports nothing when Redis did not take the change (other instances cannot see it either)', async () => {
    const messages: InvalidationMessage[] = [];
    const dead = createRedisClient('redis://127.0.0.1:1', { mode: 'shared', logger: recordingLogger() });
    openClients.push(dead);
    const { cache } = await instance({ redis: dead, onChange: (message) => messages.push(message) });
    const parts = customer();
    await cache.snapshot.swr(parts, scriptedLoader<Snapshot>({ customerId: parts.id, plan: 'gold' }).load);
    await cache.snapshot.delete(parts);
    expect(messages).toEqual([]);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { createCacheState } from '../../../src/cache/cache-state';
import { createTieredCache, type NamespaceSettings } from '../../../src/cache/tiered-cache';
import { manualClock, recordingLogger, scriptedLoader, trackingWaitUntil } from './cache-test-support';

interface Snapshot {
  customerId: string;
  plan: string;
}

const snapshotTtl: NamespaceSettings = { freshMs: 60_000, staleMs: 240_000, negativeTtlMs: 10_000 };
const who = { tenant: 'acme', vendor: 'chargebee', id: 'cus_1' };

function memoryOnlyCache(memory?: { maxEntries?: number; maxBytes?: number; maxEntryBytes?: number }) {
  const clock = manualClock();
  const logger = recordingLogger();
  const background = trackingWaitUntil();
  const state = createCacheState({ clock, logger, ...(memory ? { memory } : {}) });
  const cache = createTieredCache<{ snapshot: Snapshot; catalog: string[] }>({
    state,
    redis: null,
    waitUntil: background.waitUntil,
    namespaces: { snapshot: snapshotTtl, catalog: { freshMs: 600_000, staleMs: 0 } },
  });
  return { clock, logger, background, state, cache };
}

describe('tiered cache, memory only', () => {
  it('loads on a miss, then serves the memory hit with a growing Age', async () => {
    const { cache, clock, state } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });

    const first = await cache.snapshot.swr(who, loader.load);
    expect(first).toMatchObject({
      value: { plan: 'pro' },
      status: 'miss',
      tier: 'loader',
      ageSeconds: 0,
      ttlSeconds: 60,
    });
    clock.advance(12_500);
    const second = await cache.snapshot.swr(who, loader.load);

    expect(second).toMatchObject({
      value: { plan: 'pro' },
      status: 'hit',
      tier: 'memory',
      ageSeconds: 12,
      ttlSeconds: 47,
    });
    expect(loader.calls()).toBe(1);
    expect(state.metrics).toMatchObject({ misses: 1, memoryHits: 1, loads: 1 });
  });

  it('serves a stale entry at once and refreshes it exactly once in the background', async () => {
    const { cache, clock, background, state } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    await cache.snapshot.swr(who, loader.load);
    loader.answer({ customerId: 'cus_1', plan: 'enterprise' });
    clock.advance(60_001);

    const stale = await Promise.all(Array.from({ length: 10 }, () => cache.snapshot.swr(who, loader.load)));
    for (const result of stale) {
      expect(result).toMatchObject({
        value: { plan: 'pro' },
        status: 'stale',
        tier: 'memory',
        ttlSeconds: -1,
      });
    }
    expect(background.tasks).toHaveLength(1);
    await background.settle();
    expect(loader.calls()).toBe(2);

    const after = await cache.snapshot.swr(who, loader.load);
    expect(after).toMatchObject({ value: { plan: 'enterprise' }, status: 'hit', ageSeconds: 0 });
    expect(state.metrics).toMatchObject({ staleHits: 10, backgroundRefreshes: 1, loads: 2 });
  });

  it('keeps serving the stale entry when the background refresh fails, and logs it (stale-if-error)', async () => {
    const { cache, clock, background, logger, state } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    await cache.snapshot.swr(who, loader.load);
    loader.fail(new Error('vendor down'));
    clock.advance(100_000);

    const first = await cache.snapshot.swr(who, loader.load);
    await background.settle();
    clock.advance(100_000);
    const second = await cache.snapshot.swr(who, loader.load);
    await background.settle();

    expect(first).toMatchObject({ value: { plan: 'pro' }, status: 'stale' });
    expect(second).toMatchObject({ value: { plan: 'pro' }, status: 'stale', ageSeconds: 200 });
    expect(loader.calls()).toBe(3);
    expect(logger.events().filter((event) => event === 'cache_background_refresh_failed')).toHaveLength(2);
    expect(state.metrics.backgroundRefreshErrors).toBe(2);
  });

  it('past staleUntil the load is awaited and its error surfaces, and is never cached', async () => {
    const { cache, clock } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    await cache.snapshot.swr(who, loader.load);
    loader.fail(new Error('vendor down'));
    clock.advance(300_001);

    await expect(cache.snapshot.swr(who, loader.load)).rejects.toThrow('vendor down');
    await expect(cache.snapshot.swr(who, loader.load)).rejects.toThrow('vendor down');
    expect(loader.calls()).toBe(3); // each request tried again: the failure was not cached

    loader.answer({ customerId: 'cus_1', plan: 'back' });
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      value: { plan: 'back' },
      status: 'miss',
    });
  });

  it('caches null as "does not exist" for negativeTtlMs only, without a stale window', async () => {
    const { cache, clock } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>(null);

    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      value: null,
      status: 'miss',
      ttlSeconds: 10,
    });
    clock.advance(10_000);
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({ value: null, status: 'hit' });
    expect(loader.calls()).toBe(1);

    loader.answer({ customerId: 'cus_1', plan: 'new' });
    clock.advance(1);
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      value: { plan: 'new' },
      status: 'miss',
    });
    expect(loader.calls()).toBe(2);
  });

  it('forceRefresh bypasses a fresh entry; when it fails the entry is served flagged stale-if-error', async () => {
    const { cache, clock, state } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    await cache.snapshot.swr(who, loader.load);
    loader.answer({ customerId: 'cus_1', plan: 'enterprise' });
    clock.advance(5_000);

    const refreshed = await cache.snapshot.swr(who, loader.load, { forceRefresh: true });
    expect(refreshed).toMatchObject({
      value: { plan: 'enterprise' },
      status: 'refresh',
      tier: 'loader',
      ageSeconds: 0,
    });
    expect(loader.calls()).toBe(2);

    loader.fail(new Error('vendor down'));
    clock.advance(70_000);
    const fallback = await cache.snapshot.swr(who, loader.load, { forceRefresh: true });
    expect(fallback).toMatchObject({
      value: { plan: 'enterprise' },
      status: 'stale',
      staleIfError: true,
      tier: 'memory',
      ageSeconds: 70,
      ttlSeconds: -10,
    });
    expect(state.metrics.staleIfError).toBe(1);
  });

  it('a failed forced refresh with nothing stored surfaces the error', async () => {
    const { cache } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>(null);
    loader.fail(new Error('vendor down'));
    await expect(cache.snapshot.swr(who, loader.load, { forceRefresh: true })).rejects.toThrow('vendor down');
  });

  it('takes TTLs per call over the namespace defaults (per-vendor TTLs)', async () => {
    const { cache, clock } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    const result = await cache.snapshot.swr(who, loader.load, { freshMs: 5_000, staleMs: 1_000 });
    expect(result.freshUntil - result.storedAt).toBe(5_000);
    expect(result.staleUntil - result.freshUntil).toBe(1_000);
    clock.advance(6_001);
    await expect(
      cache.snapshot.swr(who, loader.load, { freshMs: 5_000, staleMs: 1_000 }),
    ).resolves.toMatchObject({
      status: 'miss',
    });
    await expect(cache.snapshot.swr(who, loader.load, { freshMs: -1 })).rejects.toThrow(RangeError);
  });

  it('makes one loader call for 200 concurrent cold callers and shares its result', async () => {
    const { cache, state } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'pro' });
    loader.delay(20);

    const results = await Promise.all(
      Array.from({ length: 200 }, () => cache.snapshot.swr(who, loader.load)),
    );

    expect(loader.calls()).toBe(1);
    expect(new Set(results.map((result) => result.value))).toHaveLength(1);
    expect(results.every((result) => result.status === 'miss')).toBe(true);
    expect(results.filter((result) => result.collapsed)).toHaveLength(199);
    expect(state.metrics.collapsed).toBe(199);
  });

  it('shares a failed load with every waiter without caching it', async () => {
    const { cache } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>(null);
    loader.fail(new Error('boom'));
    loader.delay(10);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => cache.snapshot.swr(who, loader.load)),
    );
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(loader.calls()).toBe(1);
    loader.answer({ customerId: 'cus_1', plan: 'ok' });
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'ok' },
    });
  });

  it('an invalidation during a load keeps that load from storing its (older) result', async () => {
    const { cache } = memoryOnlyCache();
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'before-webhook' });
    const release = loader.hold();
    const pending = cache.snapshot.swr(who, loader.load);
    await vi.waitUntil(() => loader.calls() === 1); // the load has started and is held
    const deleted = await cache.snapshot.delete(who);
    expect(deleted).toEqual({ memoryDeleted: 0, redis: 'disabled', redisDeleted: 0 });
    release();
    expect(await pending).toMatchObject({ value: { plan: 'before-webhook' } });

    loader.answer({ customerId: 'cus_1', plan: 'after-webhook' });
    expect(await cache.snapshot.swr(who, loader.load)).toMatchObject({
      status: 'miss',
      value: { plan: 'after-webhook' },
    });
    expect(loader.calls()).toBe(2);
  });

  it('delete and deleteMany remove entries; namespaces do not share keys', async () => {
    const { cache } = memoryOnlyCache();
    await cache.snapshot.set(who, { customerId: 'cus_1', plan: 'pro' });
    await cache.catalog.set(who, ['feature-a']);
    expect(cache.snapshot.key(who)).not.toBe(cache.catalog.key(who));
    expect((await cache.catalog.get(who))?.entry.value).toEqual(['feature-a']);

    expect(await cache.delete(cache.snapshot.key(who))).toMatchObject({ memoryDeleted: 1 });
    expect(await cache.snapshot.get(who)).toBeUndefined();
    expect(await cache.catalog.get(who)).toBeDefined();
    const other = { ...who, id: 'cus_2' };
    await cache.snapshot.set(other, { customerId: 'cus_2', plan: 'x' });
    expect(
      await cache.deleteMany([cache.catalog.key(who), cache.snapshot.key(other), cache.snapshot.key(who)]),
    ).toMatchObject({ memoryDeleted: 2, redis: 'disabled' });
  });

  it('does not keep values over maxEntryBytes in memory', async () => {
    const { cache } = memoryOnlyCache({ maxEntryBytes: 1_000 });
    const loader = scriptedLoader<Snapshot>({ customerId: 'cus_1', plan: 'x'.repeat(5_000) });
    await cache.snapshot.swr(who, loader.load);
    expect(await cache.snapshot.get(who)).toBeUndefined();
    await cache.snapshot.swr(who, loader.load);
    expect(loader.calls()).toBe(2);
  });

  it('rejects a loader that resolves undefined instead of caching it', async () => {
    const { cache } = memoryOnlyCache();
    const loader = async () => undefined as unknown as Snapshot;
    await expect(cache.snapshot.swr(who, loader)).rejects.toThrow(/resolve null/);
    expect(await cache.snapshot.get(who)).toBeUndefined();
  });

  it('refuses a namespace named like a cache method', () => {
    const { state } = memoryOnlyCache();
    expect(() =>
      createTieredCache<Record<string, unknown>>({
        state,
        redis: null,
        waitUntil: () => undefined,
        namespaces: { drain: snapshotTtl },
      }),
    ).toThrow(/clashes/);
  });

  it('reports health without Redis', async () => {
    const { cache } = memoryOnlyCache();
    await cache.snapshot.set(who, { customerId: 'cus_1', plan: 'pro' });
    const health = await cache.health();
    expect(health.redis).toBe('disabled');
    expect(health.memory.entries).toBe(1);
    expect(health.memory.bytes).toBeGreaterThan(20);
  });
});

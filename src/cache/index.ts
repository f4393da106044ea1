/**
 * The gateway's cache: memory (LRU) → Redis → loader, with stale-while-revalidate, stale-if-error,
 * negative entries, single-flight in process and across instances, a Redis breaker, and webhook
 * event de-duplication. Runtime-free: it runs on Node and inside workerd; only `redis-client.ts`
 * imports ioredis at runtime.
 *
 * Wiring:
 * - once per process / isolate: `const state = createCacheState({ clock, logger, memory, redisBreakerOpenMs })`
 * - Node: `redis = createRedisClient(url, { mode: 'shared', logger })` and one `createTieredCache({ state, redis, … })`
 * - Workers: per request `redis = createRedisClient(url, { mode: 'per-request', logger })`,
 *   `cache = createTieredCache({ state, redis, waitUntil: ctx.waitUntil.bind(ctx), … })`, and at the end
 *   `ctx.waitUntil(cache.drain().then(() => closeRedisClient(redis)))`.
 */
export type { CacheEntry, EntryLifetime } from './cache-entry';
export { CACHE_KEY_VERSION, type CacheKeyInput, type CacheKeyParts, cacheKey } from './cache-key';
export { type CacheMetrics, createCacheMetrics } from './cache-metrics';
export {
  type CacheState,
  type CacheStateOptions,
  createCacheState,
  DEFAULT_MEMORY_LIMITS,
} from './cache-state';
export {
  createEventDeduplicator,
  type EventDeduplicator,
  type EventDeduplicatorOptions,
  WEBHOOK_EVENT_NAMESPACE,
} from './event-deduplicator';
export { MemoryLru, type MemoryLruOptions } from './memory-lru';
export { RedisBreaker, type RedisBreakerOptions, type RedisBreakerState } from './redis-breaker';
export {
  closeRedisClient,
  createRedisClient,
  type RedisClientMode,
  type RedisClientOptions,
  waitForRedisReady,
} from './redis-client';
export {
  type CacheControl,
  type CachedEntry,
  type CacheHealth,
  type CacheLoader,
  type CacheNamespace,
  type CacheTier,
  createTieredCache,
  type DeleteResult,
  type NamespaceSettings,
  type NamespaceValues,
  type SwrOptions,
  type SwrResult,
  type SwrStatus,
  type TieredCache,
  type TieredCacheOptions,
} from './tiered-cache';

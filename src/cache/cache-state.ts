import type { Clock } from '../../adapters/kit';
import type { Logger } from '../logger';
import type { CacheEntry } from './cache-entry';
import { type CacheMetrics, createCacheMetrics } from './cache-metrics';
import { MemoryLru, type MemoryLruOptions } from './memory-lru';
import { RedisBreaker } from './redis-breaker';
import { RedisEpoch } from './redis-epoch';

/** What the in-process tier keeps per key. */
export interface MemorySlot {
  entry: CacheEntry<unknown>;
  /**
   * When this copy was written or last found identical in Redis. Past `memoryTrustMs` the cache looks
   * at Redis again, so an invalidation made by another instance reaches this one.
   */
  verifiedAt: number;
  /**
   * The last background refresh of this entry failed. While the entry keeps being served stale it is
   * then served as stale-if-error (the vendor is failing), not as stale-while-revalidate. A new load
   * replaces the slot, which clears it.
   */
  refreshFailed?: boolean;
}

/** Default bounds of the in-process tier. */
export const DEFAULT_MEMORY_LIMITS: Required<MemoryLruOptions> = {
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxEntryBytes: 4 * 1024 * 1024,
};

/** Options of {@link createCacheState}. */
export interface CacheStateOptions {
  clock: Clock;
  /** Logs breaker state changes. */
  logger: Logger;
  /** Bounds of the in-process tier; see {@link DEFAULT_MEMORY_LIMITS}. */
  memory?: Partial<MemoryLruOptions>;
  /** How long Redis is skipped after the breaker opens. Default 5000 ms. */
  redisBreakerOpenMs?: number;
  /** Consecutive Redis failures that open the breaker. Default 3. */
  redisBreakerFailureThreshold?: number;
  /** Most webhook event ids remembered in memory when Redis is unavailable. Default 10 000. */
  rememberedEventLimit?: number;
}

/**
 * What outlives a single request: the in-process tier, the Redis breaker, the counters and the
 * in-memory fallback of webhook de-duplication. None of it holds an I/O object, so it is created once
 * per Node process or once per Worker isolate (module scope) and handed to every cache instance,
 * including the per-request ones of the Worker.
 */
export interface CacheState {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly memory: MemoryLru<MemorySlot>;
  readonly breaker: RedisBreaker;
  readonly metrics: CacheMetrics;
  /** Webhook event keys → epoch ms until which they count as seen. */
  readonly rememberedEvents: MemoryLru<number>;
  /**
   * Scope generation markers known to this process (marker key → epoch ms): entries of the scope
   * stored at or before it are outdated (served stale while they reload). Set by a scope
   * invalidation here and learned from Redis on every Redis read. One per tenant, vendor and
   * namespace at most, so it needs no bound.
   */
  readonly scopeGenerations: Map<string, number>;
  /** The Redis data-loss marker as this process last read it (see redis-epoch.ts). */
  readonly redisEpoch: RedisEpoch;
}

/** Creates the long-lived state of the cache. */
export function createCacheState(options: CacheStateOptions): CacheState {
  const metrics = createCacheMetrics();
  const { logger } = options;
  const breaker = new RedisBreaker({
    clock: options.clock,
    openMs: options.redisBreakerOpenMs ?? 5000,
    failureThreshold: options.redisBreakerFailureThreshold ?? 3,
    onStateChange: (state, previous) => {
      if (state === 'open') {
        metrics.redisBreakerOpens += 1;
        logger.warn('cache_redis_breaker_open', { previous, openMs: options.redisBreakerOpenMs ?? 5000 });
      } else if (state === 'closed') {
        logger.info('cache_redis_breaker_closed', { previous });
      }
    },
  });
  const eventLimit = options.rememberedEventLimit ?? 10_000;
  return {
    clock: options.clock,
    logger,
    memory: new MemoryLru<MemorySlot>({
      maxEntries: options.memory?.maxEntries ?? DEFAULT_MEMORY_LIMITS.maxEntries,
      maxBytes: options.memory?.maxBytes ?? DEFAULT_MEMORY_LIMITS.maxBytes,
      maxEntryBytes: options.memory?.maxEntryBytes ?? DEFAULT_MEMORY_LIMITS.maxEntryBytes,
    }),
    breaker,
    metrics,
    // Each remembered id costs its key plus a number; the byte bound is only a safety net.
    rememberedEvents: new MemoryLru<number>({ maxEntries: eventLimit, maxBytes: eventLimit * 1024 }),
    scopeGenerations: new Map(),
    redisEpoch: new RedisEpoch(),
  };
}

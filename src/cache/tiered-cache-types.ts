import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { CacheEntry } from './cache-entry';
import type { CacheKeyParts } from './cache-key';
import type { CacheMetrics } from './cache-metrics';
import type { CacheState } from './cache-state';
import type { InvalidationMessage } from './invalidation-bus';
import type { IsolateLoads } from './isolate-loads';
import type { RedisBreakerState } from './redis-breaker';

/** The tiered cache's public types: results, namespaces, options. The engine is in `tiered-cache.ts`. */

/**
 * What `swr` did:
 * - `hit`: a fresh entry was served;
 * - `stale`: a stale entry was served, either while a background refresh runs (stale-while-revalidate)
 *   or because the vendor is failing (`staleIfError: true`: a forced refresh failed, or the last
 *   background refresh of this entry failed);
 * - `miss`: there was no usable entry; the caller waited for a load (its own or a shared one);
 * - `refresh`: `forceRefresh` made the caller wait for a new load.
 */
export type SwrStatus = 'hit' | 'stale' | 'miss' | 'refresh';

/** Where the served value came from. */
export type CacheTier = 'memory' | 'redis' | 'loader';

/** The answer of `swr`, with what the HTTP layer needs for `Cache-Status` and `Age`. */
export interface SwrResult<T> {
  /** The value; null means "does not exist" (a negative entry or a loader that returned null). */
  value: T | null;
  status: SwrStatus;
  tier: CacheTier;
  /** Whole seconds since the value was loaded (HTTP `Age`). */
  ageSeconds: number;
  /** Remaining freshness in whole seconds (RFC 9211 `ttl`); negative when stale. */
  ttlSeconds: number;
  /** A stale entry was served because the load failed (stale-if-error). */
  staleIfError: boolean;
  /** The value came from a load this caller did not run (another caller in this process, or another instance). */
  collapsed: boolean;
  /** When the value was loaded (epoch ms). */
  storedAt: number;
  /** Until when the value is fresh (epoch ms). */
  freshUntil: number;
  /** Until when the value may be served stale (epoch ms). */
  staleUntil: number;
}

/** Per-call options of `swr`. TTLs given here override the namespace's (per-vendor TTLs). */
export interface SwrOptions {
  /** Skip fresh entries and wait for a new load (client `Cache-Control: no-cache`, the refresh route). */
  forceRefresh?: boolean;
  /**
   * When a forced refresh fails: `true` (default) serves the stale entry flagged stale-if-error;
   * `false` rethrows the failure (the refresh route reports it) and leaves the stale entry in place
   * for later reads.
   */
  staleIfError?: boolean;
  freshMs?: number;
  staleMs?: number;
  negativeTtlMs?: number;
}

/** The default lifetimes of one namespace. */
export interface NamespaceSettings {
  /** How long a loaded value is fresh. */
  freshMs: number;
  /** How long after that it may still be served stale (while refreshing, or when the vendor fails). */
  staleMs: number;
  /** Lifetime of a `null` ("does not exist") value. Defaults to the cache's `negativeTtlMs`. */
  negativeTtlMs?: number;
}

/** An entry as found by `get`, with the tier it came from. */
export interface CachedEntry<T> {
  entry: CacheEntry<T>;
  tier: 'memory' | 'redis';
}

/** The outcome of an invalidation on each tier. */
export interface DeleteResult {
  /** Entries removed from this process's memory. */
  memoryDeleted: number;
  /**
   * `deleted`: Redis confirmed; `disabled`: no Redis configured; `unavailable`: Redis could not be
   * reached, so other instances may keep serving the entry until it expires. Webhook handlers should
   * answer the vendor with an error then, so it redelivers.
   */
  redis: 'deleted' | 'disabled' | 'unavailable';
  /** Keys that existed in Redis. */
  redisDeleted: number;
}

/** What `/readyz` needs to know about the cache. */
export interface CacheHealth {
  /** `down` also when the breaker is open (no PING is sent then). */
  redis: 'disabled' | 'up' | 'down';
  redisLatencyMs: number | null;
  breaker: RedisBreakerState;
  memory: { entries: number; bytes: number; maxEntries: number; maxBytes: number; evictions: number };
}

/** Loads a value on a miss; resolves null for "does not exist"; throws on failure (never cached). */
export type CacheLoader<T> = () => Promise<T | null>;

/** One typed namespace of the cache (`cache.snapshot`, `cache.catalog`, …). */
export interface CacheNamespace<T> {
  readonly name: string;
  /** The full key of an entry of this namespace (for `cache.delete`/`deleteMany`). */
  key(parts: CacheKeyParts): string;
  /** Serves the entry (fresh, or stale while refreshing) or loads it, once per key at a time. */
  swr(parts: CacheKeyParts, loader: CacheLoader<T>, options?: SwrOptions): Promise<SwrResult<T>>;
  /**
   * What `swr` would answer at once as a fresh memory hit (no load, no Redis round trip), or
   * undefined; not counted until {@link countHitNow}. The synchronous path of cached answers.
   */
  hitNow(parts: CacheKeyParts): SwrResult<T> | undefined;
  /** {@link hitNow} of a key this namespace's `key` built before (a caller that kept it skips building it again). */
  hitNowAt(key: string): SwrResult<T> | undefined;
  /** Counts a memory hit that was served through `hitNow`. */
  countHitNow(): void;
  /** Reads a usable entry from memory, else Redis (backfilling memory); never loads or refreshes. */
  get(parts: CacheKeyParts): Promise<CachedEntry<T> | undefined>;
  /** Stores a value in every tier (awaited). */
  set(parts: CacheKeyParts, value: T | null, options?: Omit<SwrOptions, 'forceRefresh'>): Promise<void>;
  /** Removes the entry from every tier (awaited). */
  delete(parts: CacheKeyParts): Promise<DeleteResult>;
  /**
   * Marks every entry of this namespace for one tenant and vendor, in every tier and on every
   * instance, as outdated: each is then served stale while it reloads (stale-while-revalidate), as
   * if its TTL had run out now. For a change that reaches entries nobody can list (a vendor's
   * catalogue edit); unlike deleting them it neither sends every customer to the vendor at once nor
   * loses the stale-if-error fallback. Other instances learn it on their next Redis read, i.e.
   * within `memoryTrustMs`.
   */
  invalidateAll(
    parts: Omit<CacheKeyParts, 'id'>,
    options?: ScopeInvalidationOptions,
  ): Promise<ScopeInvalidationResult>;
}

/** Options of `invalidateAll`. */
export interface ScopeInvalidationOptions {
  /**
   * How long the marker must outlive the change: the longest lifetime (fresh + stale) of an entry
   * of the scope. Default the namespace's `freshMs + staleMs` (pass more when per-call TTLs are longer).
   */
  retainMs?: number;
}

/** The outcome of `invalidateAll`. */
export interface ScopeInvalidationResult {
  /**
   * `stored`: other instances will see it; `disabled`: no Redis configured; `unavailable`: only this
   * instance knows (webhook handlers should make the vendor redeliver).
   */
  redis: 'stored' | 'disabled' | 'unavailable';
}

/** The namespace-independent operations of the cache. */
export interface CacheControl {
  /** Removes a key (built by a namespace's `key`) from every tier, awaited. */
  delete(key: string): Promise<DeleteResult>;
  /** Removes several keys from every tier with one Redis `DEL`, awaited. */
  deleteMany(keys: readonly string[]): Promise<DeleteResult>;
  /** Redis reachability (one PING through the breaker, with the command timeout) and memory usage. */
  health(): Promise<CacheHealth>;
  /** Resolves when every background refresh started by this instance has finished. */
  drain(): Promise<void>;
  /** The shared counters. */
  readonly metrics: CacheMetrics;
  /** The key version this instance reads and writes. */
  readonly keyVersion: string;
}

/** Namespace name → type of the values it stores. */
export type NamespaceValues = Record<string, unknown>;

/** The cache: its control operations plus one typed handle per namespace. */
export type TieredCache<N extends NamespaceValues> = CacheControl & {
  readonly [K in keyof N & string]: CacheNamespace<N[K]>;
};

/** Options of {@link createTieredCache}. */
export interface TieredCacheOptions<N extends NamespaceValues> {
  /** Long-lived state (memory tier, breaker, metrics): one per process or isolate. */
  state: CacheState;
  /**
   * The Redis client, or null for memory only. On Workers pass the per-request client and create
   * this cache per request; on Node pass the shared client and create the cache once.
   */
  redis: Redis | null;
  /** Default lifetimes per namespace. A namespace may not be named like a {@link CacheControl} member. */
  namespaces: { readonly [K in keyof N]: K extends keyof CacheControl ? never : NamespaceSettings };
  /**
   * Keeps a background refresh alive after the response is sent: `ctx.waitUntil` on Workers, a
   * promise tracker on Node (awaited at shutdown). The promises given never reject.
   */
  waitUntil: (promise: Promise<unknown>) => void;
  /** Defaults to the state's logger (pass a per-request one to get request ids). */
  logger?: Logger;
  /** Key version; defaults to {@link CACHE_KEY_VERSION}. */
  keyVersion?: string;
  /** Default lifetime of `null` values. Default 15 000 ms. */
  negativeTtlMs?: number;
  /** Budget of one Redis command. Default 150 ms. */
  redisCommandTimeoutMs?: number;
  /** Budget of a Redis command sent while the client is still connecting. Default 1000 ms. */
  redisConnectTimeoutMs?: number;
  /** TTL of the cross-process load lock; longer than a slow vendor load. Default 10 000 ms. */
  lockTtlMs?: number;
  /** How long a cold instance waits for another instance's load before loading itself. Default 3000 ms. */
  lockWaitMs?: number;
  /**
   * How long a memory entry is served without looking at Redis. Past it the next read checks Redis,
   * so an invalidation made on another instance (webhook, refresh route) reaches this instance's
   * memory within this time. Ignored without Redis. Default 2000 ms.
   */
  memoryTrustMs?: number;
  /**
   * Told about every change to the shared tier (a delete, a stored value, a scope generation), so it
   * can be broadcast to the other instances' memory tiers (Node: the invalidation bus). Deletes and
   * scope changes are awaited (bounded by the bus), so a webhook's answer means "published".
   */
  onChange?: (message: InvalidationMessage) => unknown;
  /**
   * Loads shared by the concurrent requests of one Worker isolate, whose caches are per request.
   * Leave out on Node, where the one cache's in-flight map already covers the process.
   */
  isolateLoads?: IsolateLoads;
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import {
  ageSecondsOf,
  type CacheEntry,
  createEntry,
  type EntryLifetime,
  isFresh,
  isUsable,
  parseStoredEntry,
  ttlSecondsOf,
} from './cache-entry';
import {
  CACHE_KEY_VERSION,
  type CacheKeyParts,
  cacheKey,
  cacheScopeKey,
  lockKeyOf,
  scopeKeyOf,
} from './cache-key';
import type { CacheMetrics } from './cache-metrics';
import type { CacheState, MemorySlot } from './cache-state';
import type { RedisBreakerState } from './redis-breaker';
import { RedisTier } from './redis-tier';

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
}

type LoadMode = 'miss' | 'refresh' | 'background';

interface LoadedEntry {
  entry: CacheEntry<unknown>;
  tier: CacheTier;
  collapsed: boolean;
}

interface InFlightLoad {
  promise: Promise<LoadedEntry | undefined>;
  /** Set by an invalidation: the load's result still answers its waiters but is not stored. */
  flags: { invalidated: boolean };
}

type RemoteRead =
  | { kind: 'found'; entry: CacheEntry<unknown>; bytes: number }
  | { kind: 'absent' }
  | { kind: 'unavailable' };

type PeerWait =
  | { kind: 'peer'; entry: CacheEntry<unknown> }
  | { kind: 'locked' }
  | { kind: 'timeout' }
  | { kind: 'unavailable' };

function assertDuration(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a duration >= 0 ms, got ${value}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random token identifying this load's lock (Web Crypto: present on Node 20 and in workerd). */
function lockToken(): string {
  return crypto.randomUUID();
}

function toResult<T>(
  entry: CacheEntry<unknown>,
  status: SwrStatus,
  tier: CacheTier,
  now: number,
  flags: { staleIfError?: boolean; collapsed?: boolean; freshUntil?: number } = {},
): SwrResult<T> {
  const freshUntil = flags.freshUntil ?? entry.freshUntil;
  return {
    // Entries of a namespace are only ever written by that namespace under its versioned key.
    value: entry.value as T | null,
    status,
    tier,
    ageSeconds: ageSecondsOf(entry, now),
    ttlSeconds: ttlSecondsOf({ ...entry, freshUntil }, now),
    staleIfError: flags.staleIfError ?? false,
    collapsed: flags.collapsed ?? false,
    storedAt: entry.storedAt,
    freshUntil,
    staleUntil: entry.staleUntil,
  };
}

/**
 * The two-tier cache engine behind the namespaces. Values returned are shared with the memory tier:
 * callers must treat them as immutable.
 */
class TieredCacheEngine {
  private readonly state: CacheState;
  private readonly metrics: CacheMetrics;
  private readonly logger: Logger;
  private readonly redis: RedisTier | null;
  private readonly waitUntil: (promise: Promise<unknown>) => void;
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;
  private readonly memoryTrustMs: number;
  /**
   * Loads running in this cache instance, by key. On Node the instance lives as long as the process,
   * so this is process-wide; on Workers it is per request, because a promise whose I/O belongs to
   * one request must not be awaited by another. Across requests and instances the Redis lock
   * de-duplicates instead.
   */
  private readonly inFlight = new Map<string, InFlightLoad>();
  private readonly background = new Set<Promise<void>>();

  constructor(options: TieredCacheOptions<NamespaceValues>) {
    this.state = options.state;
    this.metrics = options.state.metrics;
    this.logger = options.logger ?? options.state.logger;
    this.waitUntil = options.waitUntil;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    this.lockWaitMs = options.lockWaitMs ?? 3000;
    this.memoryTrustMs = options.memoryTrustMs ?? 2000;
    assertDuration('lockTtlMs', this.lockTtlMs);
    assertDuration('lockWaitMs', this.lockWaitMs);
    assertDuration('memoryTrustMs', this.memoryTrustMs);
    this.redis =
      options.redis === null
        ? null
        : new RedisTier({
            client: options.redis,
            breaker: options.state.breaker,
            metrics: options.state.metrics,
            logger: this.logger,
            commandTimeoutMs: options.redisCommandTimeoutMs,
            connectTimeoutMs: options.redisConnectTimeoutMs,
          });
  }

  private get now(): number {
    return this.state.clock.now();
  }

  async swr<T>(
    key: string,
    loader: CacheLoader<T>,
    lifetime: EntryLifetime,
    forceRefresh: boolean,
  ): Promise<SwrResult<T>> {
    if (forceRefresh) return this.forcedRefresh(key, loader, lifetime);
    const found = await this.lookup(key);
    const now = this.now;
    if (found !== undefined && this.isCurrent(key, found.entry, now)) {
      if (found.tier === 'memory') this.metrics.memoryHits += 1;
      else this.metrics.redisHits += 1;
      return toResult(found.entry, 'hit', found.tier, now);
    }
    if (found !== undefined) {
      // After a failed refresh the entry is served because the vendor fails, not merely while it is
      // revalidated: say so (a new background refresh is still started, to notice recovery).
      const slot = this.state.memory.peek(key);
      const refreshFailed = slot !== undefined && slot.entry === found.entry && slot.refreshFailed === true;
      if (refreshFailed) this.metrics.staleIfError += 1;
      else this.metrics.staleHits += 1;
      this.refreshInBackground(key, loader, lifetime, found.entry);
      return toResult(found.entry, 'stale', found.tier, now, {
        staleIfError: refreshFailed,
        freshUntil: this.effectiveFreshUntil(key, found.entry),
      });
    }
    this.metrics.misses += 1;
    const loaded = await this.load(key, 'miss', loader, lifetime);
    if (loaded === undefined) throw new Error(`cache: the load of ${key} ended without a value`);
    return toResult(loaded.entry, 'miss', loaded.tier, this.now, { collapsed: loaded.collapsed });
  }

  async get<T>(key: string): Promise<CachedEntry<T> | undefined> {
    const found = await this.lookup(key);
    return found === undefined ? undefined : { entry: found.entry as CacheEntry<T>, tier: found.tier };
  }

  async set<T>(key: string, value: T | null, lifetime: EntryLifetime): Promise<void> {
    if (value === undefined) throw new TypeError('cache: use null, not undefined, for "does not exist"');
    this.invalidateInFlight(key);
    await this.write(key, createEntry(value, lifetime, this.now));
  }

  async deleteMany(keys: readonly string[]): Promise<DeleteResult> {
    let memoryDeleted = 0;
    for (const key of keys) {
      if (this.state.memory.delete(key)) memoryDeleted += 1;
      this.invalidateInFlight(key);
    }
    if (this.redis === null) return { memoryDeleted, redis: 'disabled', redisDeleted: 0 };
    if (keys.length === 0) return { memoryDeleted, redis: 'deleted', redisDeleted: 0 };
    const outcome = await this.redis.del(keys);
    // A read that ran while DEL was in flight may have copied the old entry back into memory.
    for (const key of keys) this.state.memory.delete(key);
    if (!outcome.ok) {
      this.logger.warn('cache_invalidation_incomplete', { keys: keys.length, reason: outcome.reason });
      return { memoryDeleted, redis: 'unavailable', redisDeleted: 0 };
    }
    return { memoryDeleted, redis: 'deleted', redisDeleted: outcome.value };
  }

  async health(): Promise<CacheHealth> {
    const { memory, breaker } = this.state;
    const memoryHealth = {
      entries: memory.size,
      bytes: memory.bytes,
      maxEntries: memory.maxEntries,
      maxBytes: memory.maxBytes,
      evictions: memory.evictions,
    };
    if (this.redis === null) {
      return { redis: 'disabled', redisLatencyMs: null, breaker: breaker.state, memory: memoryHealth };
    }
    const ping = await this.redis.ping();
    return {
      redis: ping.ok ? 'up' : 'down',
      redisLatencyMs: ping.ok ? ping.value.latencyMs : null,
      breaker: breaker.state,
      memory: memoryHealth,
    };
  }

  async drain(): Promise<void> {
    while (this.background.size > 0) {
      await Promise.all([...this.background]);
    }
  }

  /**
   * Finds a usable entry: memory when it is fresh and recently confirmed, else Redis (backfilling
   * memory), else a memory entry Redis could not confirm because Redis is unavailable.
   */
  private async lookup(key: string): Promise<CachedEntry<unknown> | undefined> {
    const memory = this.state.memory;
    let now = this.now;
    let slot = memory.get(key);
    if (slot !== undefined && !isUsable(slot.entry, now)) {
      memory.delete(key);
      slot = undefined;
    }
    if (this.redis === null) return slot === undefined ? undefined : { entry: slot.entry, tier: 'memory' };
    if (
      slot !== undefined &&
      this.isCurrent(key, slot.entry, now) &&
      now - slot.verifiedAt < this.memoryTrustMs
    ) {
      return { entry: slot.entry, tier: 'memory' };
    }
    const remote = await this.readRemote(key);
    now = this.now;
    // Memory may have changed while Redis answered (a load finished): decide on what is there now.
    const current = memory.peek(key);
    if (remote.kind === 'unavailable') {
      return current !== undefined && isUsable(current.entry, now)
        ? { entry: current.entry, tier: 'memory' }
        : undefined;
    }
    if (remote.kind === 'found' && isUsable(remote.entry, now)) {
      if (
        current !== undefined &&
        current.entry.storedAt >= remote.entry.storedAt &&
        isUsable(current.entry, now)
      ) {
        // Redis confirms the memory copy (same load), or memory holds a newer load whose Redis write
        // failed or is still in flight: keep serving memory.
        current.verifiedAt = now;
        return { entry: current.entry, tier: 'memory' };
      }
      this.remember(key, remote.entry, remote.bytes, now);
      return { entry: remote.entry, tier: 'redis' };
    }
    if (current !== undefined && current !== slot && isUsable(current.entry, now)) {
      return { entry: current.entry, tier: 'memory' };
    }
    // Redis no longer has it: another instance invalidated it (or Redis lost it). Memory must not
    // outlive an invalidation, so the memory copy goes too.
    if (current !== undefined && current === slot) memory.delete(key);
    return undefined;
  }

  private async forcedRefresh<T>(
    key: string,
    loader: CacheLoader<T>,
    lifetime: EntryLifetime,
  ): Promise<SwrResult<T>> {
    this.metrics.forcedRefreshes += 1;
    try {
      const loaded = await this.load(key, 'refresh', loader, lifetime);
      if (loaded === undefined) throw new Error(`cache: the refresh of ${key} ended without a value`);
      return toResult(loaded.entry, 'refresh', loaded.tier, this.now, { collapsed: loaded.collapsed });
    } catch (error) {
      // Stale-if-error: the refresh failed but an entry within its stale window exists; serve it,
      // flagged, rather than turn a vendor outage into an error.
      const fallback = await this.lookup(key);
      if (fallback === undefined) throw error;
      this.metrics.staleIfError += 1;
      this.logger.warn('cache_stale_if_error', { key, error });
      return toResult(fallback.entry, 'stale', fallback.tier, this.now, { staleIfError: true });
    }
  }

  private refreshInBackground<T>(
    key: string,
    loader: CacheLoader<T>,
    lifetime: EntryLifetime,
    staleEntry: CacheEntry<unknown>,
  ): void {
    // A load already running for this key will replace the stale entry: nothing to start.
    if (this.inFlight.has(key)) return;
    this.metrics.backgroundRefreshes += 1;
    const task = this.load(key, 'background', loader, lifetime).then(
      () => undefined,
      (error: unknown) => {
        // Stale-if-error: nothing is written, so the stale entry keeps being served until staleUntil,
        // flagged as such from now on (unless another load has replaced it meanwhile).
        const slot = this.state.memory.peek(key);
        if (slot !== undefined && slot.entry === staleEntry) slot.refreshFailed = true;
        this.metrics.backgroundRefreshErrors += 1;
        this.logger.warn('cache_background_refresh_failed', { key, error });
      },
    );
    this.background.add(task);
    void task.then(() => this.background.delete(task));
    this.waitUntil(task);
  }

  /**
   * One load per key at a time in this instance: joins a running load, or starts one. Resolves
   * undefined only for a background refresh that stood aside (another instance is loading).
   */
  private async load(
    key: string,
    mode: LoadMode,
    loader: CacheLoader<unknown>,
    lifetime: EntryLifetime,
  ): Promise<LoadedEntry | undefined> {
    for (;;) {
      const running = this.inFlight.get(key);
      if (running === undefined) break;
      // A failed load fails every caller that shared it; none of them caches the failure.
      const shared = await running.promise;
      if (shared !== undefined) {
        if (mode !== 'background') this.metrics.collapsed += 1;
        return { ...shared, collapsed: true };
      }
      // The shared load was a background refresh that stood aside; a waiting caller needs a value.
      if (mode === 'background') return undefined;
    }
    if (mode !== 'refresh') {
      // A load that finished while this caller was reading Redis already put a fresh entry in memory.
      const slot = this.state.memory.peek(key);
      if (slot !== undefined && this.isCurrent(key, slot.entry, this.now)) {
        if (mode === 'miss') this.metrics.collapsed += 1;
        return { entry: slot.entry, tier: 'memory', collapsed: true };
      }
    }
    const flags = { invalidated: false };
    const promise = this.runLoad(key, mode, loader, lifetime, flags);
    const record: InFlightLoad = { promise, flags };
    this.inFlight.set(key, record);
    const forget = () => {
      if (this.inFlight.get(key) === record) this.inFlight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * The load itself, behind the cross-process lock: the instance that takes the lock loads; the
   * others poll Redis for its result. When the wait times out or Redis is unavailable the caller
   * loads anyway: the vendor may see a few duplicate loads, but no request fails or hangs because
   * of the cache (availability over strictness).
   */
  private async runLoad(
    key: string,
    mode: LoadMode,
    loader: CacheLoader<unknown>,
    lifetime: EntryLifetime,
    flags: { invalidated: boolean },
  ): Promise<LoadedEntry | undefined> {
    const lockKey = lockKeyOf(key);
    const token = lockToken();
    let locked = false;
    if (this.redis !== null) {
      const claim = await this.redis.setIfAbsent(lockKey, token, this.lockTtlMs);
      if (claim === 'set') {
        locked = true;
        if (mode !== 'refresh') {
          // Another instance may have stored the value between our read and our lock.
          const remote = await this.readRemote(key);
          const now = this.now;
          if (remote.kind === 'found' && this.isCurrent(key, remote.entry, now)) {
            await this.redis.releaseLock(lockKey, token);
            this.remember(key, remote.entry, remote.bytes, now);
            return { entry: remote.entry, tier: 'redis', collapsed: true };
          }
        }
      } else if (claim === 'exists') {
        this.metrics.lockWaits += 1;
        const waited = await this.waitForPeer(key, lockKey, token, mode);
        if (waited.kind === 'peer') return { entry: waited.entry, tier: 'redis', collapsed: true };
        if (waited.kind === 'locked') locked = true;
        if (waited.kind === 'timeout') {
          this.metrics.lockWaitTimeouts += 1;
          this.logger.warn('cache_lock_wait_timeout', { key, mode, lockWaitMs: this.lockWaitMs });
          // The other instance is still loading and the stale entry is still served: leave it be.
          if (mode === 'background') return undefined;
        }
      }
    }
    try {
      this.metrics.loads += 1;
      let value: unknown;
      try {
        value = await loader();
      } catch (error) {
        this.metrics.loadErrors += 1;
        throw error;
      }
      if (value === undefined) {
        this.metrics.loadErrors += 1;
        throw new TypeError(
          `cache: the loader of ${key} resolved undefined; resolve null for "does not exist"`,
        );
      }
      const entry = createEntry(value, lifetime, this.now);
      if (!flags.invalidated) await this.write(key, entry);
      return { entry, tier: 'loader', collapsed: false };
    } finally {
      if (locked && this.redis !== null) await this.redis.releaseLock(lockKey, token);
    }
  }

  /**
   * Polls Redis (value and lock in one `MGET`) while another instance holds the lock. Accepts a fresh
   * entry; for a forced refresh only one that differs from the entry seen at the first poll. When the
   * lock disappears without a usable value (the other load failed), tries to take the lock.
   */
  private async waitForPeer(key: string, lockKey: string, token: string, mode: LoadMode): Promise<PeerWait> {
    const redis = this.redis;
    if (redis === null) return { kind: 'unavailable' };
    const deadline = Date.now() + this.lockWaitMs;
    let delayMs = 5;
    let baseline: number | null | undefined;
    const scopeKey = scopeKeyOf(key);
    for (;;) {
      const read = await redis.mget([key, lockKey, scopeKey]);
      if (!read.ok) {
        // One slow answer (a busy event loop, a Redis hiccup) is no reason to give up the wait and
        // load a second time: poll again until the deadline. Errors, and a breaker opened by
        // repeated timeouts, end the wait at once.
        if (read.reason !== 'timeout' || Date.now() >= deadline) return { kind: 'unavailable' };
        await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
        continue;
      }
      const [json = null, lock = null, generation = null] = read.value;
      const locked = lock !== null;
      this.learnGeneration(scopeKey, generation);
      const entry = json === null ? undefined : parseStoredEntry(json);
      const now = this.now;
      if (mode === 'refresh' && baseline === undefined) {
        baseline = entry?.storedAt ?? null;
      } else if (json !== null && entry !== undefined && this.isCurrent(key, entry, now)) {
        if (mode !== 'refresh' || entry.storedAt !== baseline) {
          this.remember(key, entry, json.length, now);
          return { kind: 'peer', entry };
        }
      }
      if (!locked) {
        const claim = await redis.setIfAbsent(lockKey, token, this.lockTtlMs);
        if (claim === 'set') return { kind: 'locked' };
        if (claim === 'unavailable') return { kind: 'unavailable' };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'timeout' };
      await sleep(Math.min(delayMs, remaining));
      delayMs = Math.min(delayMs * 2, 100);
    }
  }

  /** Reads an entry and, in the same round trip, its scope's generation marker. */
  private async readRemote(key: string): Promise<RemoteRead> {
    if (this.redis === null) return { kind: 'unavailable' };
    const scopeKey = scopeKeyOf(key);
    const outcome = await this.redis.mget([key, scopeKey]);
    if (!outcome.ok) return { kind: 'unavailable' };
    const [json = null, generation = null] = outcome.value;
    this.learnGeneration(scopeKey, generation);
    if (json === null) return { kind: 'absent' };
    const entry = parseStoredEntry(json);
    if (entry === undefined) {
      this.logger.warn('cache_entry_unreadable', { key });
      return { kind: 'absent' };
    }
    return { kind: 'found', entry, bytes: json.length };
  }

  /** Fresh, and not stored at or before a scope-wide invalidation. */
  private isCurrent(key: string, entry: CacheEntry<unknown>, now: number): boolean {
    if (!isFresh(entry, now)) return false;
    const generation = this.state.scopeGenerations.get(scopeKeyOf(key));
    return generation === undefined || entry.storedAt > generation;
  }

  /** `freshUntil` as it stands after a scope-wide invalidation (for `ttl` and `freshUntil` in results). */
  private effectiveFreshUntil(key: string, entry: CacheEntry<unknown>): number {
    const generation = this.state.scopeGenerations.get(scopeKeyOf(key));
    if (generation === undefined || entry.storedAt > generation) return entry.freshUntil;
    // Stale since the invalidation: a millisecond before it, so `ttl` reads negative as for any stale entry.
    return Math.min(entry.freshUntil, generation - 1);
  }

  /** Keeps the newest generation seen for a scope (markers only move forward). */
  private learnGeneration(scopeKey: string, raw: string | null): void {
    if (raw === null) return;
    const generation = Number(raw);
    if (!Number.isFinite(generation)) return;
    const known = this.state.scopeGenerations.get(scopeKey);
    if (known === undefined || generation > known) this.state.scopeGenerations.set(scopeKey, generation);
  }

  /** Marks every entry of a scope outdated, here at once and, through Redis, on every instance. */
  async invalidateScope(scopeKey: string, retainMs: number): Promise<ScopeInvalidationResult> {
    const generation = this.now;
    this.learnGeneration(scopeKey, String(generation));
    // A load already running may have read the vendor before the change: it answers its waiters
    // but is not stored (as for a single-key delete).
    for (const key of [...this.inFlight.keys()]) {
      if (scopeKeyOf(key) === scopeKey) this.invalidateInFlight(key);
    }
    if (this.redis === null) return { redis: 'disabled' };
    const outcome = await this.redis.set(scopeKey, String(generation), retainMs);
    if (!outcome.ok) {
      this.logger.warn('cache_scope_invalidation_incomplete', { scope: scopeKey, reason: outcome.reason });
      return { redis: 'unavailable' };
    }
    return { redis: 'stored' };
  }

  /** Writes memory, then Redis with its TTL at `staleUntil` (awaited, bounded by the command timeout). */
  private async write(key: string, entry: CacheEntry<unknown>): Promise<void> {
    // Serialized once: the JSON goes to Redis and its length is the memory tier's size estimate.
    const json = JSON.stringify(entry);
    const now = this.now;
    this.remember(key, entry, json.length, now);
    const ttlMs = entry.staleUntil - now;
    if (this.redis !== null && ttlMs > 0) await this.redis.set(key, json, ttlMs);
  }

  private remember(key: string, entry: CacheEntry<unknown>, bytes: number, now: number): void {
    const slot: MemorySlot = { entry, verifiedAt: now };
    this.state.memory.set(key, slot, bytes);
  }

  private invalidateInFlight(key: string): void {
    const running = this.inFlight.get(key);
    if (running === undefined) return;
    running.flags.invalidated = true;
    this.inFlight.delete(key);
  }
}

function resolveLifetime(
  settings: NamespaceSettings,
  options: Omit<SwrOptions, 'forceRefresh'>,
  defaultNegativeTtlMs: number,
): EntryLifetime {
  const lifetime: EntryLifetime = {
    freshMs: options.freshMs ?? settings.freshMs,
    staleMs: options.staleMs ?? settings.staleMs,
    negativeTtlMs: options.negativeTtlMs ?? settings.negativeTtlMs ?? defaultNegativeTtlMs,
  };
  assertDuration('freshMs', lifetime.freshMs);
  assertDuration('staleMs', lifetime.staleMs);
  assertDuration('negativeTtlMs', lifetime.negativeTtlMs);
  return lifetime;
}

const controlMembers: ReadonlySet<string> = new Set<keyof CacheControl>([
  'delete',
  'deleteMany',
  'health',
  'drain',
  'metrics',
  'keyVersion',
]);

/**
 * Creates the two-tier cache (memory → Redis → loader) with one typed handle per namespace:
 *
 * ```ts
 * const cache = createTieredCache<{ snapshot: CustomerSnapshot }>({
 *   state, redis, waitUntil, namespaces: { snapshot: { freshMs: 60_000, staleMs: 300_000 } },
 * });
 * const result = await cache.snapshot.swr({ tenant, vendor, id: customerId }, () => adapter.loadCustomer(…));
 * ```
 *
 * Node: create it once with the shared client. Workers: create it per request with the per-request
 * client and the isolate's {@link CacheState}, then `ctx.waitUntil(cache.drain().then(() => closeRedisClient(client)))`.
 */
export function createTieredCache<N extends NamespaceValues>(options: TieredCacheOptions<N>): TieredCache<N> {
  const engine = new TieredCacheEngine(options as TieredCacheOptions<NamespaceValues>);
  const keyVersion = options.keyVersion ?? CACHE_KEY_VERSION;
  const negativeTtlMs = options.negativeTtlMs ?? 15_000;
  assertDuration('negativeTtlMs', negativeTtlMs);
  const cache: Record<string, unknown> = {
    delete: (key: string) => engine.deleteMany([key]),
    deleteMany: (keys: readonly string[]) => engine.deleteMany(keys),
    health: () => engine.health(),
    drain: () => engine.drain(),
    metrics: options.state.metrics,
    keyVersion,
  };
  const namespaces: Record<string, NamespaceSettings> = options.namespaces;
  for (const [name, settings] of Object.entries(namespaces)) {
    if (controlMembers.has(name)) throw new Error(`cache namespace "${name}" clashes with a cache method`);
    resolveLifetime(settings, {}, negativeTtlMs);
    const keyOf = (parts: CacheKeyParts) =>
      cacheKey({
        version: keyVersion,
        tenant: parts.tenant,
        vendor: parts.vendor,
        namespace: name,
        id: parts.id,
      });
    const handle: CacheNamespace<unknown> = {
      name,
      key: keyOf,
      // async so that bad per-call options reject like every other failure instead of throwing.
      swr: async (parts, loader, swrOptions = {}) =>
        engine.swr(
          keyOf(parts),
          loader,
          resolveLifetime(settings, swrOptions, negativeTtlMs),
          swrOptions.forceRefresh === true,
        ),
      get: (parts) => engine.get(keyOf(parts)),
      set: async (parts, value, setOptions = {}) =>
        engine.set(keyOf(parts), value, resolveLifetime(settings, setOptions, negativeTtlMs)),
      delete: (parts) => engine.deleteMany([keyOf(parts)]),
      invalidateAll: async (parts, scopeOptions = {}) => {
        const retainMs =
          scopeOptions.retainMs ??
          Math.max(settings.freshMs + settings.staleMs, settings.negativeTtlMs ?? negativeTtlMs);
        assertDuration('retainMs', retainMs);
        return engine.invalidateScope(
          cacheScopeKey({ version: keyVersion, tenant: parts.tenant, vendor: parts.vendor, namespace: name }),
          retainMs,
        );
      },
    };
    cache[name] = handle;
  }
  // The object holds exactly the control members plus one handle per declared namespace.
  return cache as TieredCache<N>;
}

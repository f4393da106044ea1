import type { Logger } from '../logger';
import {
  ageSecondsOf,
  type CacheEntry,
  createEntry,
  type EntryLifetime,
  isUsable,
  parseStoredEntry,
  ttlSecondsOf,
} from './cache-entry';
import {
  CACHE_KEY_VERSION,
  type CacheKeyParts,
  cacheKey,
  cacheScopeKey,
  encodeKeySegment,
  lockKeyOf,
  scopeKeyOf,
} from './cache-key';
import type { CacheMetrics } from './cache-metrics';
import type { CacheState, MemorySlot } from './cache-state';
import type { InvalidationMessage } from './invalidation-bus';
import type { IsolateLoads } from './isolate-loads';
import { lockToken, waitForPeer } from './load-lock';
import { epochKeyOf, type RedisEpoch } from './redis-epoch';
import { RedisTier } from './redis-tier';
import { ScopeGenerations } from './scope-generations';
import type {
  CacheControl,
  CachedEntry,
  CacheHealth,
  CacheLoader,
  CacheNamespace,
  CacheTier,
  DeleteResult,
  NamespaceSettings,
  NamespaceValues,
  ScopeInvalidationResult,
  SwrOptions,
  SwrResult,
  SwrStatus,
  TieredCache,
  TieredCacheOptions,
} from './tiered-cache-types';

export type {
  CacheControl,
  CachedEntry,
  CacheHealth,
  CacheLoader,
  CacheNamespace,
  CacheTier,
  DeleteResult,
  NamespaceSettings,
  NamespaceValues,
  ScopeInvalidationOptions,
  ScopeInvalidationResult,
  SwrOptions,
  SwrResult,
  SwrStatus,
  TieredCache,
  TieredCacheOptions,
} from './tiered-cache-types';

/**
 * What a parsed entry costs on the heap per character of its JSON. The memory tier holds parsed
 * objects, which take more room than their JSON: `npm run bench` fills the tier with 100,000
 * customers' snapshots and measures about 2.3 heap bytes per JSON character. Charging entries at
 * this estimate keeps the tier's heap within its byte bound (`maxBytes`) rather than 2–3× above it.
 */
export const HEAP_BYTES_PER_JSON_CHARACTER = 2.5;

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

function assertDuration(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a duration >= 0 ms, got ${value}`);
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
    ttlSeconds: ttlSecondsOf({ freshUntil }, now),
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
  private readonly generations: ScopeGenerations;
  private readonly epoch: RedisEpoch;
  /** The Redis data-loss marker of this key version, read with every entry (redis-epoch.ts). */
  private readonly epochKey: string;
  /**
   * Loads running in this cache instance, by key. On Node the instance lives as long as the process,
   * so this is process-wide; on Workers it is per request, because a promise whose I/O belongs to
   * one request must not be awaited by another. Across requests and instances the Redis lock
   * de-duplicates instead.
   */
  private readonly inFlight = new Map<string, InFlightLoad>();
  private readonly background = new Set<Promise<void>>();
  private readonly onChange: (message: InvalidationMessage) => unknown;
  private readonly isolateLoads: IsolateLoads | null;

  constructor(options: TieredCacheOptions<NamespaceValues>) {
    this.onChange = options.onChange ?? (() => undefined);
    this.isolateLoads = options.isolateLoads ?? null;
    this.state = options.state;
    this.metrics = options.state.metrics;
    this.logger = options.logger ?? options.state.logger;
    this.waitUntil = options.waitUntil;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    this.lockWaitMs = options.lockWaitMs ?? 3000;
    this.memoryTrustMs = options.memoryTrustMs ?? 2000;
    this.epoch = options.state.redisEpoch;
    this.epochKey = epochKeyOf(options.keyVersion ?? CACHE_KEY_VERSION);
    this.generations = new ScopeGenerations(options.state.scopeGenerations, this.epoch);
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
    staleIfError = true,
  ): Promise<SwrResult<T>> {
    if (forceRefresh) return this.forcedRefresh(key, loader, lifetime, staleIfError);
    const hit = this.hitNow<T>(key);
    if (hit !== undefined) {
      this.countHitNow();
      return hit;
    }
    const found = await this.lookup(key);
    const now = this.now;
    if (found !== undefined && this.generations.isCurrent(key, found.entry, now)) {
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
        freshUntil: this.generations.effectiveFreshUntil(key, found.entry),
      });
    }
    this.metrics.misses += 1;
    const loaded = await this.load(key, 'miss', loader, lifetime);
    if (loaded === undefined) throw new Error(`cache: the load of ${key} ended without a value`);
    return toResult(loaded.entry, 'miss', loaded.tier, this.now, { collapsed: loaded.collapsed });
  }

  /**
   * The answer `swr` gives without waiting for anything, or undefined: a fresh entry of the current
   * generation in memory that needs no Redis confirmation (no Redis, or confirmed within
   * `memoryTrustMs`), holding a value (a cached "does not exist" is left to `swr`). Exactly the
   * entries `swr` answers as a memory hit before any await. It does not count the hit: a caller
   * that serves the answer calls {@link countHitNow} (one that gives up and calls `swr` instead
   * must not have counted it twice).
   */
  hitNow<T>(key: string): SwrResult<T> | undefined {
    const slot = this.state.memory.get(key);
    if (slot === undefined || slot.entry.value === null) return undefined;
    const now = this.now;
    if (!this.generations.isCurrent(key, slot.entry, now)) return undefined;
    if (this.redis !== null && now - slot.verifiedAt >= this.memoryTrustMs) return undefined;
    return toResult(slot.entry, 'hit', 'memory', now);
  }

  /** Counts a memory hit served through {@link hitNow}. */
  countHitNow(): void {
    this.metrics.memoryHits += 1;
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
    await this.onChange({ kind: 'delete', keys: [...keys] });
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
      this.generations.isCurrent(key, slot.entry, now) &&
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
    if (current !== undefined && current === slot) {
      // Redis lost its data since this copy was stored (its epoch marker changed): the absence is no
      // invalidation. The copy is kept, outdated: served stale while it reloads, and stale-if-error
      // if the vendor fails, instead of every instance's memory tier going cold at once.
      if (this.generations.predatesDataLoss(current.entry) && isUsable(current.entry, now))
        return { entry: current.entry, tier: 'memory' };
      // Redis no longer has it: another instance invalidated it. Memory must not outlive an
      // invalidation, so the memory copy goes too.
      memory.delete(key);
    }
    return undefined;
  }

  private async forcedRefresh<T>(
    key: string,
    loader: CacheLoader<T>,
    lifetime: EntryLifetime,
    staleIfError: boolean,
  ): Promise<SwrResult<T>> {
    this.metrics.forcedRefreshes += 1;
    try {
      const loaded = await this.load(key, 'refresh', loader, lifetime);
      if (loaded === undefined) throw new Error(`cache: the refresh of ${key} ended without a value`);
      return toResult(loaded.entry, 'refresh', loaded.tier, this.now, { collapsed: loaded.collapsed });
    } catch (error) {
      // A failed load stores nothing: the previous entry stays for later reads either way.
      if (!staleIfError) throw error;
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
      if (slot !== undefined && this.generations.isCurrent(key, slot.entry, this.now)) {
        if (mode === 'miss') this.metrics.collapsed += 1;
        return { entry: slot.entry, tier: 'memory', collapsed: true };
      }
    }
    if (this.isolateLoads !== null && mode !== 'refresh') {
      // Another request of this isolate is loading the key: wait for its plain result.
      const running = this.isolateLoads.running(key);
      if (running !== undefined) {
        const shared = await this.isolateLoads.follow(running, this.lockWaitMs);
        if (shared.kind === 'failed') throw shared.error;
        if (shared.kind === 'loaded') {
          if (mode === 'miss') this.metrics.collapsed += 1;
          return { entry: shared.entry, tier: 'memory', collapsed: true };
        }
        if (mode === 'background') return undefined;
        // It stood aside, or took longer than a lock wait: load here (again guarded by the Redis lock).
      }
    }
    const flags = { invalidated: false };
    const promise = this.runLoad(key, mode, loader, lifetime, flags);
    const record: InFlightLoad = { promise, flags };
    this.inFlight.set(key, record);
    this.isolateLoads?.lead(key, promise);
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
          if (remote.kind === 'found' && this.generations.isCurrent(key, remote.entry, now)) {
            await this.redis.releaseLock(lockKey, token);
            this.remember(key, remote.entry, remote.bytes, now);
            return { entry: remote.entry, tier: 'redis', collapsed: true };
          }
        }
      } else if (claim === 'exists') {
        this.metrics.lockWaits += 1;
        const waited = await waitForPeer(
          {
            redis: this.redis,
            lockWaitMs: this.lockWaitMs,
            lockTtlMs: this.lockTtlMs,
            now: () => this.now,
            generations: this.generations,
            remember: (entryKey, entry, bytes, now) => this.remember(entryKey, entry, bytes, now),
          },
          { key, lockKey, token, refresh: mode === 'refresh' },
        );
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

  /** Reads an entry and, in the same round trip, its scope's generation marker and the data-loss marker. */
  private async readRemote(key: string): Promise<RemoteRead> {
    if (this.redis === null) return { kind: 'unavailable' };
    const scopeKey = scopeKeyOf(key);
    const outcome = await this.redis.mget([key, scopeKey, this.epochKey]);
    if (!outcome.ok) return { kind: 'unavailable' };
    const [json = null, generation = null, epoch = null] = outcome.value;
    this.generations.learn(scopeKey, generation);
    await this.learnEpoch(epoch);
    if (json === null) return { kind: 'absent' };
    const entry = parseStoredEntry(json);
    if (entry === undefined) {
      this.logger.warn('cache_entry_unreadable', { key });
      return { kind: 'absent' };
    }
    return { kind: 'found', entry, bytes: json.length };
  }

  /**
   * Learns the data-loss marker: a changed or vanished marker means Redis lost its data, which
   * outdates every copy this instance stored until now (logged); a missing one is written, by one
   * read of this instance at a time (awaited: once per instance after a start or a loss, and a
   * Worker's request must not leave I/O behind).
   */
  private async learnEpoch(marker: string | null): Promise<void> {
    if (this.epoch.observe(marker, this.now))
      this.logger.warn('cache_redis_data_lost', {
        detail:
          'the Redis epoch marker changed or vanished (a restart without persistence, a failover, a flush): memory copies are served stale while they reload',
        memoryEntries: this.state.memory.size,
      });
    if (marker !== null || this.redis === null || !this.epoch.claimCreation()) return;
    try {
      await this.redis.setIfAbsent(this.epochKey, lockToken(), null);
    } finally {
      this.epoch.creationDone();
    }
  }

  /** Marks every entry of a scope outdated, here at once and, through Redis, on every instance. */
  async invalidateScope(scopeKey: string, retainMs: number): Promise<ScopeInvalidationResult> {
    const generation = this.now;
    this.generations.learn(scopeKey, String(generation));
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
    await this.onChange({ kind: 'scope', scopeKey, generation });
    return { redis: 'stored' };
  }

  /** Writes memory, then Redis with its TTL at `staleUntil` (awaited, bounded by the command timeout). */
  private async write(key: string, entry: CacheEntry<unknown>): Promise<void> {
    // Serialized once: the JSON goes to Redis and its length is the memory tier's size estimate.
    const json = JSON.stringify(entry);
    const now = this.now;
    this.remember(key, entry, json.length, now);
    const ttlMs = entry.staleUntil - now;
    if (this.redis === null || ttlMs <= 0) return;
    const stored = await this.redis.set(key, json, ttlMs);
    // Not awaited: other instances only need to drop older copies, and the load's callers are waiting.
    if (stored.ok) void this.onChange({ kind: 'write', key, storedAt: entry.storedAt });
  }

  /** Keeps an entry in memory, charged at its heap estimate: `jsonLength` × {@link HEAP_BYTES_PER_JSON_CHARACTER}. */
  private remember(key: string, entry: CacheEntry<unknown>, jsonLength: number, now: number): void {
    const slot: MemorySlot = { entry, verifiedAt: now };
    this.state.memory.set(key, slot, jsonLength * HEAP_BYTES_PER_JSON_CHARACTER);
  }

  private invalidateInFlight(key: string): void {
    this.isolateLoads?.forget(key);
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
    // The key up to its id, per tenant and vendor: `cacheKey` percent-encodes five segments, and a
    // cached read builds a key every time. Bounded by the configured tenants × vendors.
    const prefixes = new Map<string, Map<string, string>>();
    const keyOf = (parts: CacheKeyParts) => {
      let byVendor = prefixes.get(parts.tenant);
      if (byVendor === undefined) {
        byVendor = new Map();
        prefixes.set(parts.tenant, byVendor);
      }
      let prefix = byVendor.get(parts.vendor);
      if (prefix === undefined) {
        prefix = cacheKey({
          version: keyVersion,
          tenant: parts.tenant,
          vendor: parts.vendor,
          namespace: name,
          id: '',
        });
        byVendor.set(parts.vendor, prefix);
      }
      return `${prefix}${encodeKeySegment(parts.id)}`;
    };
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
          swrOptions.staleIfError !== false,
        ),
      hitNow: (parts) => engine.hitNow(keyOf(parts)),
      hitNowAt: (key) => engine.hitNow(key),
      countHitNow: () => engine.countHitNow(),
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

/**
 * Counters of the cache, since the process (or isolate) started. Plain numbers so the metrics
 * endpoint or a log line can read them without a metrics library.
 */
export interface CacheMetrics {
  /** Fresh entries served from the in-process tier. */
  memoryHits: number;
  /** Fresh entries served from Redis (each also backfilled into memory). */
  redisHits: number;
  /** Stale entries served while a background refresh ran. */
  staleHits: number;
  /** Requests that had to wait for a load (no usable entry). */
  misses: number;
  /** Forced refreshes (`forceRefresh`). */
  forcedRefreshes: number;
  /** Loader calls actually made by this process. */
  loads: number;
  /** Loader calls that failed (never cached). */
  loadErrors: number;
  /** Requests answered by another caller's load (in-process or another instance via Redis). */
  collapsed: number;
  /** Stale entries served because a load failed (stale-if-error). */
  staleIfError: number;
  /** Background refreshes started. */
  backgroundRefreshes: number;
  /** Background refreshes that failed (the stale entry was kept). */
  backgroundRefreshErrors: number;
  /** Redis commands that failed (connection refused, closed, server error). */
  redisErrors: number;
  /** Redis commands that did not answer within the command timeout. */
  redisTimeouts: number;
  /** Redis commands not sent because the breaker was open. */
  redisSkipped: number;
  /** Times the Redis breaker opened. */
  redisBreakerOpens: number;
  /** Loads that waited for another instance holding the Redis lock. */
  lockWaits: number;
  /** Lock waits that gave up and loaded anyway. */
  lockWaitTimeouts: number;
}

/** A zeroed set of counters. Share one per process (Node) or isolate (Workers). */
export function createCacheMetrics(): CacheMetrics {
  return {
    memoryHits: 0,
    redisHits: 0,
    staleHits: 0,
    misses: 0,
    forcedRefreshes: 0,
    loads: 0,
    loadErrors: 0,
    collapsed: 0,
    staleIfError: 0,
    backgroundRefreshes: 0,
    backgroundRefreshErrors: 0,
    redisErrors: 0,
    redisTimeouts: 0,
    redisSkipped: 0,
    redisBreakerOpens: 0,
    lockWaits: 0,
    lockWaitTimeouts: 0,
  };
}

import type Redis from 'ioredis';
import type { Clock, CustomerSnapshot, LoadContext } from '../adapters/kit';
import type { Transport } from '../adapters/kit/upstream';
import type { adapterFactories } from '../adapters/registry';
import type { VendorId } from '../schemas/entitlement';
import {
  type CacheState,
  closeRedisClient,
  createCacheState,
  createEventDeduplicator,
  createRedisClient,
  createTieredCache,
  type SwrResult,
  type TieredCache,
  waitForRedisReady,
} from './cache';
import type { GatewayConfig, TenantConfig } from './config';
import type { GatewayRuntime, PlatformServices } from './context';
import { errorCodeOf, GatewayError } from './errors/gateway-error';
import { connectionLimitsOf, type LimitsFor } from './http/connection-limits';
import { createUpstreamClient, type ResilientUpstreamClient } from './http/upstream-client';
import type { Logger } from './logger';
import { cacheStatusValue } from './routes/cache-headers';
import { createRuntime } from './runtime';
import type { CacheReport, SnapshotLoader } from './services/entitlement-service';
import { observeUpstreamCalls } from './services/upstream-observation';

/** The cache namespaces and what each stores. */
export type GatewayCacheNamespaces = {
  /** A customer's whole entitlement set at one vendor; null = the vendor does not know the customer. */
  snapshot: CustomerSnapshot;
  /** Slow-changing vendor data (Chargebee's feature catalogue). */
  catalog: unknown;
  /** Per-entitlement vendor details fetched on demand (Paygentic's soft-limit flag). */
  detail: unknown;
};

type GatewayCache = TieredCache<GatewayCacheNamespaces>;

/** How Redis is used on this platform. */
export type RedisMode = 'shared' | 'per-request';

export interface PlatformRuntimeOptions {
  config: GatewayConfig;
  logger: Logger;
  transport: Transport;
  adapterFactories: typeof adapterFactories;
  /** `shared`: one client for the process (Node). `per-request`: a client per request (Workers). */
  redis: { mode: RedisMode };
  /** Where the shared cache keeps background refreshes alive (Node); per-request caches use the request's. */
  background?: (promise: Promise<unknown>) => void;
  clock?: Clock;
}

/** Webhook event ids are remembered this long: longer than every vendor's retry schedule start. */
const EVENT_DEDUPLICATION_MS = 3 * 24 * 60 * 60 * 1000;
const DETAIL_TTL_MS = 5 * 60 * 1000;

/** The configured per-minute figure and in-flight cap of each vendor, as the upstream client's limits. */
function limitsFromConfig(config: GatewayConfig): LimitsFor {
  return (_connectionKey, vendor) => {
    const { requestsPerMinute, maxConcurrent } = config.limits[vendor];
    return connectionLimitsOf(requestsPerMinute, maxConcurrent);
  };
}

/** Maps the cache's answer onto what `Cache-Status` and `Age` report. */
export function cacheReportOf(result: SwrResult<unknown>): CacheReport {
  const status: CacheReport['status'] = result.staleIfError ? 'stale-if-error' : result.status;
  return {
    status,
    ageSeconds: result.ageSeconds,
    ttlSeconds: result.ttlSeconds,
    collapsed: result.collapsed,
    tier: result.tier,
  };
}

/**
 * Wires a platform's transport and Redis into the runtime: the resilient upstream client, the tiered
 * cache (memory per process/isolate, Redis shared or per request) and the cache-backed snapshot loader.
 */
export function createPlatformRuntime(options: PlatformRuntimeOptions) {
  const { config, logger } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const upstream: ResilientUpstreamClient = createUpstreamClient({
    transport: options.transport,
    attemptTimeoutMs: config.upstream.attemptTimeoutMs,
    deadlineMs: config.upstream.deadlineMs,
    maxAttempts: config.upstream.maxAttempts,
    limitsFor: limitsFromConfig(config),
    clock,
    logger,
    secrets: config.secrets,
  });
  const cacheState: CacheState = createCacheState({ clock, logger });
  const namespaces = {
    snapshot: {
      freshMs: config.cache.defaults.ttlSeconds * 1000,
      staleMs: config.cache.defaults.staleSeconds * 1000,
      negativeTtlMs: config.cache.negativeTtlSeconds * 1000,
    },
    catalog: {
      freshMs: config.cache.catalogTtlSeconds * 1000,
      staleMs: config.cache.catalogTtlSeconds * 1000 * 24,
    },
    detail: { freshMs: DETAIL_TTL_MS, staleMs: DETAIL_TTL_MS },
  };

  const sharedRedis: Redis | null =
    options.redis.mode === 'shared' && config.redisUrl !== null
      ? createRedisClient(config.redisUrl, { mode: 'shared', logger })
      : null;
  const sharedCache: GatewayCache | null =
    options.redis.mode === 'shared'
      ? createTieredCache<GatewayCacheNamespaces>({
          state: cacheState,
          redis: sharedRedis,
          namespaces,
          waitUntil: options.background ?? ((promise) => void promise),
          negativeTtlMs: config.cache.negativeTtlSeconds * 1000,
        })
      : null;

  /** The cache a request uses, and how to release it when the request is done. */
  function openCache(platform: PlatformServices): {
    cache: GatewayCache;
    redis: Redis | null;
    release(): void;
  } {
    if (sharedCache !== null) return { cache: sharedCache, redis: sharedRedis, release() {} };
    // Workers: a Redis connection belongs to the request that opened it.
    const redis =
      config.redisUrl === null ? null : createRedisClient(config.redisUrl, { mode: 'per-request', logger });
    const cache = createTieredCache<GatewayCacheNamespaces>({
      state: cacheState,
      redis,
      namespaces,
      waitUntil: (promise) => platform.waitUntil(promise),
      negativeTtlMs: config.cache.negativeTtlSeconds * 1000,
    });
    return {
      cache,
      redis,
      release() {
        platform.waitUntil(cache.drain().then(() => (redis === null ? undefined : closeRedisClient(redis))));
      },
    };
  }

  const loadContextFor =
    (
      cache: GatewayCache,
      tenant: TenantConfig,
      vendor: VendorId,
      platform: PlatformServices,
    ): LoadContext['remember'] =>
    async (namespace, id, load) => {
      const result = await cache[namespace].swr({ tenant: tenant.id, vendor, id }, () =>
        observeUpstreamCalls(platform.upstreamCalls, async () => (await load()) as unknown),
      );
      return result.value as Awaited<ReturnType<typeof load>>;
    };

  const snapshotLoaderFor = (
    cache: GatewayCache,
    tenant: TenantConfig,
    platform: PlatformServices,
  ): SnapshotLoader => {
    return async ({ vendor, adapter, customerId, vendorAt, forceRefresh }) => {
      const ttl = config.cache.perVendor[vendor];
      // An explicit `at` evaluated by the vendor is its own snapshot: it is cached under its own key.
      const id = vendorAt === undefined ? customerId : `${customerId}@${new Date(vendorAt).toISOString()}`;
      const result = await cache.snapshot.swr(
        { tenant: tenant.id, vendor, id },
        async () => {
          try {
            // Only the request whose load runs (not the ones sharing it) is charged its vendor calls.
            return await observeUpstreamCalls(platform.upstreamCalls, () =>
              adapter.loadCustomer(customerId, {
                remember: loadContextFor(cache, tenant, vendor, platform),
                ...(vendorAt === undefined ? {} : { at: vendorAt }),
              }),
            );
          } catch (error) {
            // "Does not exist" is an answer worth caching briefly; every other failure is not cached.
            if (errorCodeOf(error) === 'customer_not_found') return null;
            throw error;
          }
        },
        // An `@instant` entry is never served stale: the refresh route and webhooks drop the "now"
        // entry only (they cannot enumerate instants), so these entries must end with their TTL.
        {
          forceRefresh,
          freshMs: ttl.ttlSeconds * 1000,
          staleMs: vendorAt === undefined ? ttl.staleSeconds * 1000 : 0,
        },
      );
      if (result.value === null) {
        const report = cacheReportOf(result);
        throw new GatewayError('customer_not_found', `${vendor} has no customer "${customerId}".`, {
          vendor,
          // A cached "does not exist" is reported like any other answer, so a client (or an operator
          // wondering why a just-created customer is still 404) can tell it from a fresh vendor answer.
          headers: { 'cache-status': cacheStatusValue(report), age: String(report.ageSeconds) },
        });
      }
      return { snapshot: result.value, cache: cacheReportOf(result) };
    };
  };

  const runtime: GatewayRuntime = createRuntime({
    config,
    logger,
    clock,
    upstream,
    adapterFactories: options.adapterFactories,
    openCache: (tenant, platform) => {
      const { cache, redis, release } = openCache(platform);
      const events = createEventDeduplicator({ state: cacheState, redis });
      return {
        loadSnapshot: snapshotLoaderFor(cache, tenant, platform),
        loadContext: (vendor) => ({ remember: loadContextFor(cache, tenant, vendor, platform) }),
        async invalidate(vendor, namespace, id) {
          const outcome = await cache[namespace].delete({ tenant: tenant.id, vendor, id });
          let reachedEveryInstance = outcome.redis !== 'unavailable';
          if (namespace === 'catalog') {
            // Snapshots embed the catalogue they were built with, and adapters also report
            // `catalogChanged` for changes reaching customers they cannot list (Chargebee item or
            // feature edits, impacted subscriptions only given as a download). Dropping the catalogue
            // alone would leave every cached snapshot as it was until its TTL: mark them all outdated
            // instead, so each reloads on its next read (served stale meanwhile, never all at once).
            const ttl = config.cache.perVendor[vendor];
            const marked = await cache.snapshot.invalidateAll(
              { tenant: tenant.id, vendor },
              {
                retainMs:
                  (ttl.ttlSeconds + Math.max(ttl.staleSeconds, config.cache.negativeTtlSeconds)) * 1000,
              },
            );
            if (marked.redis === 'unavailable') reachedEveryInstance = false;
          }
          if (!reachedEveryInstance) {
            // Other instances would keep serving the entry: make the caller (a vendor webhook) retry.
            throw new GatewayError(
              'cache_unavailable',
              'The shared cache is unreachable; the invalidation could not reach every instance.',
              { retryable: true, headers: { 'retry-after': '5' } },
            );
          }
        },
        claimEvent: (vendor, eventId) =>
          events.rememberOnce({ tenant: tenant.id, vendor, id: eventId }, EVENT_DEDUPLICATION_MS),
        releaseEvent: (vendor, eventId) => events.forget({ tenant: tenant.id, vendor, id: eventId }),
        release,
      };
    },
    readiness: async (platform) => {
      const { cache, release } = openCache(platform);
      try {
        const health = await cache.health();
        const checks: Record<string, string> = { config: 'ok', redis: health.redis };
        // Per vendor, the least healthy breaker across tenants: the answer is unauthenticated, so it
        // names no tenant (ids and which vendors each one uses stay private).
        const severity = { closed: 0, 'half-open': 1, open: 2 } as const;
        for (const tenant of config.tenants) {
          for (const vendor of Object.keys(tenant.vendors) as VendorId[]) {
            const state = upstream.breakerState(`${tenant.id}:${vendor}`);
            const known = checks[`upstream:${vendor}`] as keyof typeof severity | undefined;
            if (known === undefined || severity[state] > severity[known])
              checks[`upstream:${vendor}`] = state;
          }
        }
        // Redis down does not make the gateway unready: it serves from memory and the vendors.
        return { ready: true, checks };
      } finally {
        release();
      }
    },
  });

  return {
    runtime,
    upstream,
    cacheState,
    /**
     * Resolves true once the shared Redis client is connected, false after `timeoutMs` (or at once
     * without a shared client). The shared client does not queue commands while it connects, so
     * requests served before this would count Redis errors and could open the breaker: an entry
     * should await it before it starts listening.
     */
    redisReady(timeoutMs: number): Promise<boolean> {
      return sharedRedis === null ? Promise.resolve(false) : waitForRedisReady(sharedRedis, timeoutMs);
    },
    async close() {
      await sharedCache?.drain();
      if (sharedRedis !== null) await closeRedisClient(sharedRedis);
    },
  };
}

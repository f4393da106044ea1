import type Redis from 'ioredis';
import type {
  AdapterFactory,
  Clock,
  LoadContext,
  Transport,
  UpstreamObserver,
  VendorAdapter,
  VendorConnectionBase,
} from '../adapters/kit';
import type { UpstreamCallReport } from '../adapters/kit/upstream';
import type { AdapterFactories } from '../adapters/registry';
import type { VendorId } from '../schemas/entitlement';
import {
  type CacheState,
  closeRedisClient,
  createCacheState,
  createEventDeduplicator,
  createRedisClient,
  createTieredCache,
  waitForRedisReady,
} from './cache';
import { budgetKey } from './cache/cache-key';
import {
  createInvalidationBus,
  type InvalidationBus,
  type InvalidationMessage,
} from './cache/invalidation-bus';
import { IsolateLoads } from './cache/isolate-loads';
import { holdsServableSnapshot } from './cache/memory-inventory';
import { currentRequestRedis, runWithRequestRedis } from './cache/request-redis';
import { type GatewayConfig, type TenantConfig, tenantVendors } from './config';
import { GatewayError } from './errors/gateway-error';
import { connectionLimitsOf, type LimitsFor } from './http/connection-limits';
import { createSharedBudgets } from './http/shared-rate-budget';
import type { Sleep } from './http/timers';
import { createUpstreamClient, type ResilientUpstreamClient } from './http/upstream-client';
import type { Logger } from './logger';
import { newRequestId, type TraceContext, traceContextFor } from './observability/trace-context';
import { type CallerRateLimiter, createCallerRateLimiter } from './rate-limit/caller-rate-limiter';
import { CursorCodec } from './services/cursor';
import { CustomerLinkService, LinkMemo } from './services/customer-link-service';
import { createRedisLinkStore } from './services/customer-link-store';
import { EntitlementService, type FallbackEvent } from './services/entitlement-service';
import { readinessOf } from './services/readiness';
import {
  createSnapshotStore,
  type GatewayCache,
  type GatewayCacheNamespaces,
  type SnapshotStore,
  snapshotHitsOf,
} from './services/snapshot-store';
import { observedUpstream, type UpstreamCallCollector } from './services/upstream-observation';

/**
 * The composition root: config → upstream client → caches → services, in two scopes named here:
 * - {@link AppScope}, per process (Node) or isolate (Workers), built once by {@link createGateway};
 * - {@link RequestScope}, per request: made by the app's entry (src/app.ts) for every request, it
 *   carries the request's id, timing, trace, tenant and vendor calls, and opens the request's
 *   services (its cache view, the entitlement and link services) on first use.
 * It only wires; every rule (cache keys, negative answers, invalidation, readiness) is a named
 * service.
 */

/** What the request pipeline needs from the platform it runs on (Node or Workers). */
export interface PlatformServices extends UpstreamCallCollector {
  /** Keeps background work (cache refresh, Redis close) alive after the response. */
  waitUntil(promise: Promise<unknown>): void;
}

/** Per-request services, built once the tenant is known (see {@link RequestScope.services}). */
export interface RequestServices {
  entitlements: EntitlementService;
  /** The tenant's customer links (static and dynamic). */
  links: CustomerLinkService;
  /** Invalidates a customer's cached data at a vendor in every tier. */
  invalidateCustomer(vendor: VendorId, customerId: string): Promise<void>;
  /** Loads a customer's snapshot from the vendor and stores it. */
  reload(vendor: VendorId, customerId: string): Promise<{ entitlementCount: number; fetchedAt: string }>;
  /** Drops a vendor's cached catalogue (feature definitions). */
  invalidateCatalog(vendor: VendorId): Promise<void>;
  /** Claims a webhook event id: true the first time it is seen (across instances when Redis is up). */
  claimEvent(vendor: VendorId, eventId: string): Promise<boolean>;
  /** Releases a claim after a failed processing, so the vendor's retry is processed. */
  releaseEvent(vendor: VendorId, eventId: string): Promise<void>;
  /** The adapter call context (side cache) of a vendor, for webhook resolution. */
  loadContext(vendor: VendorId): LoadContext;
  /** Releases per-request resources once the response is ready (a Worker's Redis client). */
  release(): void;
  /** The Redis client of this request (shared on Node, the request's own on Workers); null without Redis. */
  redis: Redis | null;
}

/** The per-app scope: services shared by every request of the process (Node) or isolate (Workers). */
export interface AppScope {
  config: GatewayConfig;
  logger: Logger;
  clock: Clock;
  cursors: CursorCodec;
  /** Caller rate limits of this process or isolate (shared through Redis when configured). */
  rateLimiter: CallerRateLimiter;
  adapterFor(tenant: TenantConfig, vendor: VendorId): VendorAdapter;
  /** Builds a request's services for its (authenticated) tenant: use {@link RequestScope.services}. */
  openServices(request: RequestScope): RequestServices;
  /** Readiness of optional dependencies (Redis). */
  readiness(platform: PlatformServices): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;
const noCache = /(^|,)\s*no-cache\s*(,|$)/i;

/**
 * The per-request scope. Made for every request before routing (src/app.ts), handed to the routed
 * handlers as Hono's `c.env`, and finished once the response exists (access line, metrics,
 * release). Everything a request needs that is not per app lives here, as plain fields: no
 * per-request closures or maps.
 */
export class RequestScope implements PlatformServices {
  /** The caller's well-formed `X-Request-Id`, else a new one; echoed by every response. */
  readonly requestId: string;
  /** Vendor calls this request caused (access line, `Server-Timing`). */
  readonly upstreamCalls: UpstreamCallReport[] = [];
  /** The vendor the request concerned, for the access line. */
  vendor: VendorId | undefined = undefined;
  /** What the cache did (`Cache-Status` summary), for the access line and `Server-Timing`. */
  cacheStatus: string | undefined = undefined;
  /** Which tier answered, for the access line. */
  cacheTier: string | undefined = undefined;
  /** The route pattern that answered, for the access line and metrics (set by the router or the hot path). */
  route: string | undefined = undefined;
  /** Lower-case hex SHA-256 of the caller's API key (set by authentication; names its rate limit bucket). */
  apiKeyHash = '';
  #tenant: TenantConfig | undefined = undefined;
  #trace: TraceContext | undefined = undefined;
  #services: RequestServices | undefined = undefined;

  constructor(
    readonly app: AppScope,
    readonly request: Request,
    readonly waitUntil: (promise: Promise<unknown>) => void,
    /** When the request started (monotonic milliseconds), for `Server-Timing` and the access line. */
    readonly startedAt: number,
  ) {
    const offered = request.headers.get('x-request-id');
    this.requestId = offered !== null && acceptableRequestId.test(offered) ? offered : newRequestId();
  }

  /** The W3C trace of this request: continued from a valid `traceparent`, else new; made on first use. */
  get trace(): TraceContext {
    this.#trace ??= traceContextFor(this.request.headers.get('traceparent') ?? undefined);
    return this.#trace;
  }

  /** Binds the request to the tenant its key (or a webhook's signature) proved. */
  bindTenant(tenant: TenantConfig, apiKeyHash: string): void {
    this.#tenant = tenant;
    this.apiKeyHash = apiKeyHash;
  }

  /** The tenant, once bound; undefined before (open routes, rejected keys). */
  get boundTenant(): TenantConfig | undefined {
    return this.#tenant;
  }

  /** The bound tenant; only routes behind authentication ask. */
  get tenant(): TenantConfig {
    if (this.#tenant === undefined)
      throw new GatewayError('unauthorized', 'No tenant is bound to this request.');
    return this.#tenant;
  }

  /** `Cache-Control: no-cache` (RFC 9111): the client wants an answer validated with the origin, i.e. a reload. */
  get forceRefresh(): boolean {
    const cacheControl = this.request.headers.get('cache-control');
    return cacheControl !== null && noCache.test(cacheControl);
  }

  /** The request's services, opened on first use (after the tenant is bound). */
  get services(): RequestServices {
    this.#services ??= this.app.openServices(this);
    return this.#services;
  }

  /** Releases what the request opened (a Worker's Redis client); called once the response exists. */
  release(): void {
    this.#services?.release();
  }
}

/** How Redis is used on this platform. */
export type RedisMode = 'shared' | 'per-request';

/** What an entry (Node, Worker, a test) hands the gateway. */
export interface GatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  transport: Transport;
  /** Adapter factories by vendor: the registry's in production, fakes in some tests. */
  adapterFactories: AdapterFactories;
  /** `shared`: one client for the process (Node). `per-request`: a client per request (Workers). */
  redis: { mode: RedisMode };
  /** Where the shared cache keeps background refreshes alive (Node); per-request caches use the request's. */
  background?: (promise: Promise<unknown>) => void;
  clock?: Clock;
  /** Told of every vendor call, whoever made it (the Node entry's Prometheus metrics). */
  onUpstreamCall?: UpstreamObserver;
  /** Every wait of the upstream client (timeouts, backoff, budget); tests pass virtual time. */
  sleep?: Sleep;
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

/** Per process: one adapter per tenant connection, built on first use. */
function createAdapterPool(
  factories: AdapterFactories,
  dependencies: { upstream: ReturnType<typeof observedUpstream>; clock: Clock },
) {
  // By tenant object, then vendor: every read asks, so no key string is built per lookup.
  const pool = new WeakMap<TenantConfig, Map<VendorId, VendorAdapter>>();
  return (tenant: TenantConfig, vendor: VendorId): VendorAdapter => {
    let adapters = pool.get(tenant);
    if (adapters === undefined) {
      adapters = new Map();
      pool.set(tenant, adapters);
    }
    let adapter = adapters.get(vendor);
    if (adapter === undefined) {
      const connection = tenant.vendors[vendor];
      if (connection === undefined)
        throw new GatewayError('vendor_not_configured', `This tenant has no ${vendor} connection.`);
      // The registry pairs each vendor with its own connection type; the pool only passes it through.
      const factory = factories[vendor] as AdapterFactory<VendorConnectionBase>;
      adapter = factory({ connection, ...dependencies, connectionKey: `${tenant.id}:${vendor}` });
      adapters.set(vendor, adapter);
    }
    return adapter;
  };
}

/** Builds the gateway of one process (Node) or isolate (Workers). */
export function createGateway(options: GatewayOptions) {
  const { config, logger } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const sharedRedis: Redis | null =
    options.redis.mode === 'shared' && config.redisUrl !== null
      ? createRedisClient(config.redisUrl, { mode: 'shared', logger })
      : null;
  // One request budget per vendor connection across every instance sharing the Redis.
  const budgets = createSharedBudgets({
    redisConfigured: config.redisUrl !== null,
    // Node: the process's client. Workers: the client of the request whose load is running.
    redisFor: options.redis.mode === 'shared' ? () => sharedRedis : currentRequestRedis,
    keyFor: (connectionKey) => {
      // Connection keys are `<tenant id>:<vendor>` (the adapter pool below); tenant ids hold no `:`.
      const split = connectionKey.lastIndexOf(':');
      return budgetKey({ tenant: connectionKey.slice(0, split), vendor: connectionKey.slice(split + 1) });
    },
    clock,
    logger,
    fallbackShare: 1 / config.expectedInstances,
  });
  const upstream: ResilientUpstreamClient = createUpstreamClient({
    transport: options.transport,
    attemptTimeoutMs: config.upstream.attemptTimeoutMs,
    deadlineMs: config.upstream.deadlineMs,
    maxAttempts: config.upstream.maxAttempts,
    limitsFor: limitsFromConfig(config),
    budgetFor: (connectionKey, settings) => budgets.budgetFor(connectionKey, settings),
    clock,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    logger,
    secrets: config.secrets,
    ...(options.onUpstreamCall === undefined ? {} : { onCall: options.onUpstreamCall }),
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

  // Node: changes to Redis are broadcast to the other instances' memory tiers. Workers hold no
  // long-lived connection, so they rely on the re-check window alone.
  const bus: InvalidationBus | null =
    sharedRedis === null ? null : createInvalidationBus({ redis: sharedRedis, state: cacheState, logger });
  void bus?.start();
  // Workers: concurrent requests of the isolate share a load (their caches are per request).
  const isolateLoads = options.redis.mode === 'per-request' ? new IsolateLoads() : null;
  const sharedCache: GatewayCache | null =
    options.redis.mode === 'shared'
      ? createTieredCache<GatewayCacheNamespaces>({
          state: cacheState,
          redis: sharedRedis,
          namespaces,
          waitUntil: options.background ?? ((promise) => void promise),
          negativeTtlMs: config.cache.negativeTtlSeconds * 1000,
          redisCommandTimeoutMs: config.cache.redisCommandTimeoutMs,
          memoryTrustMs: config.cache.memoryRecheckMs,
          ...(bus === null ? {} : { onChange: (message: InvalidationMessage) => bus.publish(message) }),
        })
      : null;

  /** Node: every request uses the process's cache and client, and releases nothing. */
  const sharedOpened = sharedCache === null ? null : { cache: sharedCache, redis: sharedRedis, release() {} };

  /** Per request: the cache it uses, and how to release it when the request is done. */
  function openCache(platform: PlatformServices): {
    cache: GatewayCache;
    redis: Redis | null;
    release(): void;
  } {
    if (sharedCache !== null)
      return sharedOpened as { cache: GatewayCache; redis: Redis | null; release(): void };
    // Workers: a Redis connection belongs to the request that opened it.
    const redis =
      config.redisUrl === null ? null : createRedisClient(config.redisUrl, { mode: 'per-request', logger });
    const cache = createTieredCache<GatewayCacheNamespaces>({
      state: cacheState,
      redis,
      namespaces,
      waitUntil: (promise) => platform.waitUntil(promise),
      negativeTtlMs: config.cache.negativeTtlSeconds * 1000,
      redisCommandTimeoutMs: config.cache.redisCommandTimeoutMs,
      memoryTrustMs: config.cache.memoryRecheckMs,
      ...(isolateLoads === null ? {} : { isolateLoads }),
    });
    return {
      cache,
      redis,
      release() {
        platform.waitUntil(cache.drain().then(() => (redis === null ? undefined : closeRedisClient(redis))));
      },
    };
  }

  const observed = observedUpstream(upstream);
  const adapterFor = createAdapterPool(options.adapterFactories, { upstream: observed, clock });
  const cursors = new CursorCodec(config.cursorSecret);
  // Per process (per isolate on Workers): every request's link lookups go through it.
  const linkMemo = new LinkMemo();
  // Caller rate limits: one set of buckets per process/isolate, shared through Redis when configured.
  const rateLimiter = createCallerRateLimiter({ redisConfigured: config.redisUrl !== null, clock, logger });
  /** Checks answered by a fallback policy, by policy (`deny`, `allow`, `static`): read by `/metrics`. */
  const fallbackAnswers: Record<string, number> = { deny: 0, allow: 0, static: 0 };

  /** A tenant's link service over a Redis client (or none). */
  const linkServiceOf = (tenant: TenantConfig, redis: Redis | null) =>
    new CustomerLinkService({
      tenantId: tenant.id,
      connected: tenantVendors(tenant),
      staticLinks: tenant.customers ?? new Map(),
      // Links are a store on the same Redis (own namespace, no TTL); on Workers, the request's client.
      store: redis === null ? null : createRedisLinkStore(redis),
      memo: linkMemo,
      now: () => clock.now(),
      // The adapters' own checks: a link to an id that cannot exist at the vendor is refused.
      validate: (vendor, id) => adapterFor(tenant, vendor).validateCustomerId(id),
      onStoreUnavailable: (error, fallback) =>
        logger.warn('customer_links_store_unavailable', {
          tenant: tenant.id,
          fallback,
          detail: error.message,
        }),
    });
  /**
   * Per tenant, what a request would otherwise build for itself from `build(tenant, from)`. Node: one
   * for the process, built by the tenant's first request (`from`, the process's Redis client, cache
   * or link service, is the same for every request). Workers: built per request, from the request's
   * own client and cache.
   */
  const perTenant = <From, T>(build: (tenant: TenantConfig, from: From) => T) => {
    const built = new Map<TenantConfig, T>();
    return (tenant: TenantConfig, from: From): T => {
      if (sharedCache === null) return build(tenant, from);
      let value = built.get(tenant);
      if (value === undefined) {
        value = build(tenant, from);
        built.set(tenant, value);
      }
      return value;
    };
  };
  /** The tenant's link service (it holds no per-request state). */
  const linksFor = perTenant(linkServiceOf);

  const clockNow = () => clock.now();
  const logUnexpectedError = (error: unknown) => logger.error('batch_item_failed', { error });
  /** What a request's entitlement service needs that depends on the tenant (and its links) alone. */
  const tenantPartsOf = (tenant: TenantConfig, links: CustomerLinkService) => ({
    adapterFor: (vendor: VendorId) => adapterFor(tenant, vendor),
    ...(links.enabled
      ? {
          resolveLinks: (customerId: string) => links.resolve(customerId),
          resolveLinksNow: (customerId: string) => links.resolveNow(customerId),
        }
      : {}),
    // A declared answer instead of vendor data: worth a warning each time (an outage in progress).
    onFallback: (event: FallbackEvent) => {
      fallbackAnswers[event.policy] = (fallbackAnswers[event.policy] ?? 0) + 1;
      logger.warn('fallback_answered', { tenant: tenant.id, ...event });
    },
  });
  /** The tenant's snapshot hits (no per-request state either). */
  const snapshotHitsFor = perTenant((tenant: TenantConfig, cache: GatewayCache) =>
    snapshotHitsOf(cache, tenant),
  );
  const tenantPartsFor = perTenant(tenantPartsOf);

  const runtime: AppScope = {
    config,
    logger,
    clock,
    cursors,
    rateLimiter,
    adapterFor,
    openServices(request) {
      const tenant = request.tenant;
      const platform: PlatformServices = request;
      const forceRefresh = request.forceRefresh;
      const { cache, redis, release } = openCache(platform);
      // The store is built on the first load: an answer from memory only needs the tenant's hits.
      let store: SnapshotStore | undefined;
      const snapshotStore = () => {
        store ??= createSnapshotStore({
          cache,
          cacheConfig: config.cache,
          tenant,
          platform,
          // Workers: the isolate-wide shared budget uses the loading request's own Redis client. Node's
          // one client needs no context (and entering one would tax every promise).
          ...(sharedCache === null ? { runLoad: (work) => runWithRequestRedis(redis, work) } : {}),
        });
        return store;
      };
      const hits = snapshotHitsFor(tenant, cache);
      // Only webhook deliveries claim events: built on first use, not for every read.
      let events: ReturnType<typeof createEventDeduplicator> | undefined;
      const eventsOf = () => {
        events ??= createEventDeduplicator({ state: cacheState, redis });
        return events;
      };
      const loadContext = (vendor: VendorId) => ({ remember: snapshotStore().remember(vendor) });
      const links = linksFor(tenant, redis);
      const parts = tenantPartsFor(tenant, links);
      const entitlements = new EntitlementService({
        tenant,
        adapterFor: parts.adapterFor,
        loadSnapshot: (request) => snapshotStore().load(request),
        cursors,
        now: clockNow,
        forceRefresh,
        loadContext,
        onUnexpectedError: logUnexpectedError,
        loadSnapshotNow: hits.loadNow,
        countSnapshotHitNow: hits.countHitNow,
        snapshotKeyNow: hits.keyNow,
        loadSnapshotNowAt: hits.loadNowAt,
        ...(parts.resolveLinks === undefined
          ? {}
          : { resolveLinks: parts.resolveLinks, resolveLinksNow: parts.resolveLinksNow }),
        onFallback: parts.onFallback,
      });
      return {
        entitlements,
        links,
        invalidateCustomer(vendor, customerId) {
          const adapter = adapterFor(tenant, vendor);
          return snapshotStore().invalidateCustomer(
            vendor,
            adapter.canonicalCustomerId?.(customerId) ?? customerId,
          );
        },
        async reload(vendor, customerId) {
          const { adapter, customerId: canonicalId } = entitlements.resolveCustomer(vendor, customerId);
          // Load first, replace only on success: a vendor failure is reported and the copy already
          // cached keeps being served (it was never deleted).
          const { snapshot } = await snapshotStore().load({
            vendor,
            adapter,
            customerId: canonicalId,
            vendorAt: undefined,
            forceRefresh: true,
            reportFailure: true,
          });
          // The new copy is in this instance's memory; without Redis the others keep their own.
          if ((await cache.health()).redis === 'down')
            throw new GatewayError(
              'cache_unavailable',
              'Reloaded on this instance only: the shared cache is unreachable, so other instances keep their copy. Retry later.',
              { retryable: true, headers: { 'retry-after': '5' } },
            );
          return {
            entitlementCount: adapter.normalize(snapshot, new Date(clock.now())).entitlements.length,
            fetchedAt: snapshot.fetchedAt,
          };
        },
        invalidateCatalog: (vendor) => snapshotStore().invalidateCatalog(vendor),
        claimEvent: (vendor, eventId) =>
          eventsOf().rememberOnce({ tenant: tenant.id, vendor, id: eventId }, EVENT_DEDUPLICATION_MS),
        releaseEvent: (vendor, eventId) => eventsOf().forget({ tenant: tenant.id, vendor, id: eventId }),
        loadContext,
        release,
        redis,
      };
    },
    async readiness(platform) {
      const { cache, release } = openCache(platform);
      try {
        const health = await cache.health();
        return readinessOf({
          tenants: config.tenants,
          redis: health.redis,
          budget: budgets.scope(),
          invalidation:
            bus !== null
              ? bus.status() === 'subscribed'
                ? 'pubsub'
                : 'recheck-window'
              : config.redisUrl === null
                ? 'local'
                : 'recheck-window',
          breakerState: (key) => upstream.breakerState(key),
          holdsServableSnapshot: (tenantId, vendor) => holdsServableSnapshot(cacheState, tenantId, vendor),
        });
      } finally {
        release();
      }
    },
  };

  return {
    /** Per-app services the routes use. */
    runtime,
    upstream,
    cacheState,
    /** Checks answered by a fallback policy since start, by policy (metrics). */
    fallbackAnswers: () => ({ ...fallbackAnswers }),
    /** Every vendor connection (tenant + vendor) and its breaker state now (metrics). */
    breakers() {
      return config.tenants.flatMap((tenant) =>
        (Object.keys(tenant.vendors) as VendorId[]).map((vendor) => ({
          vendor,
          state: upstream.breakerState(`${tenant.id}:${vendor}`),
        })),
      );
    },
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
      await bus?.close();
      if (sharedRedis !== null) await closeRedisClient(sharedRedis);
    },
  };
}

/** The gateway of one process or isolate. */
export type Gateway = ReturnType<typeof createGateway>;

import type { CustomerSnapshot, LoadContext } from '../../adapters/kit';
import type { VendorId } from '../../schemas/entitlement';
import type { SwrResult, TieredCache } from '../cache';
import type { GatewayConfig, TenantConfig } from '../config';
import { errorCodeOf, GatewayError } from '../errors/gateway-error';
import type { PlatformServices } from '../gateway';
import { cacheStatusValue } from '../routes/cache-headers';
import type { CacheReport, SnapshotLoader, SnapshotResult } from './entitlement-service';
import { observeUpstreamCalls } from './upstream-observation';

/** The cache namespaces and what each stores. */
export type GatewayCacheNamespaces = {
  /** A customer's whole entitlement set at one vendor; null = the vendor does not know the customer. */
  snapshot: CustomerSnapshot;
  /** Slow-changing vendor data (Chargebee's feature catalogue). */
  catalog: unknown;
  /** Per-entitlement vendor details fetched on demand (Paygentic's soft-limit flag). */
  detail: unknown;
};

/** The gateway's tiered cache over its namespaces. */
export type GatewayCache = TieredCache<GatewayCacheNamespaces>;

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

/** A fresh memory hit as a snapshot result (a cached "does not exist" is left to `load`). */
function hitOf(result: SwrResult<CustomerSnapshot> | undefined): SnapshotResult | undefined {
  if (result === undefined || result.value === null) return undefined;
  return { snapshot: result.value, cache: cacheReportOf(result) };
}

/**
 * The cache key id of a snapshot: the customer id for "now"; for an explicit `at` evaluated by the
 * vendor, `<customerId>@<instant>`, since that answer is a different snapshot.
 */
export function snapshotId(customerId: string, vendorAt: string | undefined): string {
  return vendorAt === undefined ? customerId : `${customerId}@${new Date(vendorAt).toISOString()}`;
}

/** What the snapshot store of one tenant's request needs. */
export interface SnapshotStoreOptions {
  cache: GatewayCache;
  cacheConfig: GatewayConfig['cache'];
  tenant: TenantConfig;
  platform: PlatformServices;
  /**
   * Runs a vendor load. Workers pass one that makes the request's own Redis client current for the
   * load (the isolate-wide shared request budget finds it there); default: runs it as is.
   */
  runLoad?: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * A tenant's snapshots as `load` would answer them without waiting: request-free (no platform, no
 * load), so Node builds them once per tenant while every request builds its own store.
 */
export function snapshotHitsOf(cache: GatewayCache, tenant: TenantConfig) {
  return {
    /**
     * The snapshot `load` would answer without waiting (a fresh memory hit, see `hitNow`), or
     * undefined (then `load`). Not counted: `countHitNow` counts it once it is served.
     */
    loadNow(request: {
      vendor: VendorId;
      customerId: string;
      vendorAt: string | undefined;
      forceRefresh: boolean;
    }): SnapshotResult | undefined {
      if (request.forceRefresh) return undefined;
      return hitOf(
        cache.snapshot.hitNow({
          tenant: tenant.id,
          vendor: request.vendor,
          id: snapshotId(request.customerId, request.vendorAt),
        }),
      );
    },
    /** The cache key of a customer's "now" snapshot, for `loadNowAt`. */
    keyNow: (vendor: VendorId, customerId: string): string =>
      cache.snapshot.key({ tenant: tenant.id, vendor, id: snapshotId(customerId, undefined) }),
    /** `loadNow` of a key from `keyNow` (the caller has checked `forceRefresh`). */
    loadNowAt: (key: string): SnapshotResult | undefined => hitOf(cache.snapshot.hitNowAt(key)),
    /** Counts a hit served through `loadNow` or `loadNowAt` (the cache's memory-hit metric). */
    countHitNow: () => cache.snapshot.countHitNow(),
  };
}

/** The snapshot hits of one tenant (see {@link snapshotHitsOf}). */
export type SnapshotHits = ReturnType<typeof snapshotHitsOf>;

/** The catalogue entry ids adapters use (see each adapter's `remember('catalog', …)`). */
const CATALOG_IDS = ['features'];

/**
 * The cache's rules for customer snapshots, for one tenant: how they are keyed, how long they stay
 * fresh per vendor, that "the vendor does not know this customer" is a cached answer served as a
 * 404, and what a catalogue change does to the snapshots built with the old catalogue.
 */
export function createSnapshotStore(options: SnapshotStoreOptions) {
  const { cache, cacheConfig, tenant, platform } = options;
  const runLoad = options.runLoad ?? (<T>(work: () => Promise<T>) => work());

  /** The adapter's side cache for one vendor (catalogue, details), scoped to this tenant. */
  const remember =
    (vendor: VendorId): LoadContext['remember'] =>
    async (namespace, id, load) => {
      const result = await cache[namespace].swr({ tenant: tenant.id, vendor, id }, () =>
        observeUpstreamCalls(platform, () => runLoad(async () => (await load()) as unknown)),
      );
      return result.value as Awaited<ReturnType<typeof load>>;
    };

  const load: SnapshotLoader = async ({
    vendor,
    adapter,
    customerId,
    vendorAt,
    forceRefresh,
    reportFailure,
  }) => {
    const ttl = cacheConfig.perVendor[vendor];
    const result = await cache.snapshot.swr(
      { tenant: tenant.id, vendor, id: snapshotId(customerId, vendorAt) },
      async () => {
        try {
          // Only the request whose load runs (not the ones sharing it) is charged its vendor calls.
          return await observeUpstreamCalls(platform, () =>
            runLoad(() =>
              adapter.loadCustomer(customerId, {
                remember: remember(vendor),
                ...(vendorAt === undefined ? {} : { at: vendorAt }),
              }),
            ),
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
        staleIfError: reportFailure !== true,
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

  /** Other instances would keep serving an entry Redis could not drop: the caller must retry. */
  const unreachable = () =>
    new GatewayError(
      'cache_unavailable',
      'The shared cache is unreachable; the invalidation could not reach every instance.',
      { retryable: true, headers: { 'retry-after': '5' } },
    );

  return {
    load,
    ...snapshotHitsOf(cache, tenant),
    remember,
    /** Drops a customer's "now" snapshot from every tier. */
    async invalidateCustomer(vendor: VendorId, customerId: string): Promise<void> {
      const outcome = await cache.snapshot.delete({ tenant: tenant.id, vendor, id: customerId });
      if (outcome.redis === 'unavailable') throw unreachable();
    },
    /**
     * Drops a vendor's catalogue. Snapshots embed the catalogue they were built with, and adapters
     * also report `catalogChanged` for changes reaching customers they cannot list (Chargebee item
     * or feature edits, impacted subscriptions only given as a download). Dropping the catalogue
     * alone would leave every cached snapshot as it was until its TTL: they are all marked outdated
     * instead, so each reloads on its next read (served stale meanwhile, never all at once).
     */
    async invalidateCatalog(vendor: VendorId): Promise<void> {
      for (const id of CATALOG_IDS) {
        const outcome = await cache.catalog.delete({ tenant: tenant.id, vendor, id });
        let reachedEveryInstance = outcome.redis !== 'unavailable';
        const ttl = cacheConfig.perVendor[vendor];
        const marked = await cache.snapshot.invalidateAll(
          { tenant: tenant.id, vendor },
          {
            retainMs: (ttl.ttlSeconds + Math.max(ttl.staleSeconds, cacheConfig.negativeTtlSeconds)) * 1000,
          },
        );
        if (marked.redis === 'unavailable') reachedEveryInstance = false;
        if (!reachedEveryInstance) throw unreachable();
      }
    },
  };
}

/** The snapshot store of one tenant's request. */
export type SnapshotStore = ReturnType<typeof createSnapshotStore>;

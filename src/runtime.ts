import type {
  AdapterFactory,
  Clock,
  LoadContext,
  VendorAdapter,
  VendorConnectionBase,
} from '../adapters/kit';
import type { UpstreamClient } from '../adapters/kit/upstream';
import type { AdapterFactories } from '../adapters/registry';
import type { VendorId } from '../schemas/entitlement';
import type { GatewayConfig, TenantConfig } from './config';
import type { GatewayRuntime, PlatformServices } from './context';
import { GatewayError } from './errors/gateway-error';
import type { Logger } from './logger';
import { CursorCodec } from './services/cursor';
import { EntitlementService, type SnapshotLoader } from './services/entitlement-service';
import { observedUpstream } from './services/upstream-observation';

/** What the cache offers one request of one tenant. */
export interface RequestCachePort {
  loadSnapshot: SnapshotLoader;
  loadContext(vendor: VendorId): LoadContext;
  /** Deletes one entry from every tier. */
  invalidate(vendor: VendorId, namespace: 'snapshot' | 'catalog', id: string): Promise<void>;
  claimEvent(vendor: VendorId, eventId: string): Promise<boolean>;
  releaseEvent(vendor: VendorId, eventId: string): Promise<void>;
  /** Called once the request is answered (closes a per-request Redis client). */
  release(): void;
}

/** What an entry gives the runtime. */
export interface RuntimeOptions {
  config: GatewayConfig;
  logger: Logger;
  clock: Clock;
  /** The resilient upstream client over the platform's transport. */
  upstream: UpstreamClient;
  /** Adapter factories by vendor: the registry in production, fakes in some tests. */
  adapterFactories: AdapterFactories;
  /** Opens the cache view of one request. */
  openCache(tenant: TenantConfig, platform: PlatformServices): RequestCachePort;
  readiness(platform: PlatformServices): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** The catalogue entry ids adapters use (see each adapter's `remember('catalog', …)`). */
const CATALOG_IDS = ['features'];

/** Adapters live as long as the runtime: per process on Node, per isolate on Workers. */
function createAdapterPool(upstream: UpstreamClient, clock: Clock, factories: AdapterFactories) {
  const pool = new Map<string, VendorAdapter>();
  return (tenant: TenantConfig, vendor: VendorId): VendorAdapter => {
    const key = `${tenant.id}:${vendor}`;
    let adapter = pool.get(key);
    if (adapter === undefined) {
      const connection = tenant.vendors[vendor];
      if (connection === undefined)
        throw new GatewayError('vendor_not_configured', `This tenant has no ${vendor} connection.`);
      // The registry pairs each vendor with its own connection type; the pool only passes it through.
      const factory = factories[vendor] as AdapterFactory<VendorConnectionBase>;
      adapter = factory({ connection, upstream, connectionKey: key, clock });
      pool.set(key, adapter);
    }
    return adapter;
  };
}

/** Builds the per-app runtime the routes use. */
export function createRuntime(options: RuntimeOptions): GatewayRuntime {
  const { config, logger, clock } = options;
  const upstream = observedUpstream(options.upstream);
  const adapterFor = createAdapterPool(upstream, clock, options.adapterFactories);
  const cursors = new CursorCodec(config.cursorSecret);

  return {
    config,
    logger,
    clock,
    cursors,
    adapterFor,
    openRequest({ tenant, platform, forceRefresh }) {
      const cache = options.openCache(tenant, platform);
      const entitlements = new EntitlementService({
        tenant,
        adapterFor: (vendor) => adapterFor(tenant, vendor),
        loadSnapshot: cache.loadSnapshot,
        cursors,
        now: () => clock.now(),
        forceRefresh,
        loadContext: (vendor) => cache.loadContext(vendor),
        onUnexpectedError: (error) => logger.error('batch_item_failed', { error }),
      });
      return {
        entitlements,
        invalidateCustomer: (vendor, customerId) => {
          const adapter = adapterFor(tenant, vendor);
          return cache.invalidate(
            vendor,
            'snapshot',
            adapter.canonicalCustomerId?.(customerId) ?? customerId,
          );
        },
        async reload(vendor, customerId) {
          const { adapter, customerId: canonicalId } = entitlements.resolveCustomer(vendor, customerId);
          const { snapshot } = await cache.loadSnapshot({
            vendor,
            adapter,
            customerId: canonicalId,
            vendorAt: undefined,
            forceRefresh: true,
          });
          return {
            entitlementCount: adapter.normalize(snapshot, new Date(clock.now())).entitlements.length,
            fetchedAt: snapshot.fetchedAt,
          };
        },
        async invalidateCatalog(vendor) {
          await Promise.all(CATALOG_IDS.map((id) => cache.invalidate(vendor, 'catalog', id)));
        },
        claimEvent: cache.claimEvent,
        releaseEvent: cache.releaseEvent,
        loadContext: (vendor) => cache.loadContext(vendor),
        release: () => cache.release(),
      };
    },
    readiness: options.readiness,
  };
}

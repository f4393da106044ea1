import type { adapterFactories } from '../adapters/registry';
import type { AdapterFactory, Clock, LoadContext, VendorAdapter, VendorConnections } from '../adapters/spec';
import type { VendorId } from '../schemas/entitlement';
import type { GatewayConfig, TenantConfig } from './config';
import type { GatewayRuntime, PlatformServices } from './context';
import { GatewayError } from './errors/gateway-error';
import type { UpstreamClient } from './http/types';
import type { Logger } from './logger';
import { CursorCodec } from './services/cursor';
import { EntitlementService, type SnapshotLoader } from './services/entitlement-service';
import { observedUpstream } from './services/upstream-observation';

/** What an entry gives the runtime. */
export interface RuntimeOptions {
  config: GatewayConfig;
  logger: Logger;
  clock: Clock;
  /** The resilient upstream client over the platform's transport. */
  upstream: UpstreamClient;
  /** Adapter factories by vendor: the registry in production, fakes in some tests. */
  adapterFactories: typeof adapterFactories;
}

/** Adapters live as long as the runtime: per process on Node, per isolate on Workers. */
function createAdapterPool(upstream: UpstreamClient, clock: Clock, factories: typeof adapterFactories) {
  const pool = new Map<string, VendorAdapter>();
  return (tenant: TenantConfig, vendor: VendorId): VendorAdapter => {
    const key = `${tenant.id}:${vendor}`;
    let adapter = pool.get(key);
    if (adapter === undefined) {
      const connection = tenant.vendors[vendor];
      if (connection === undefined)
        throw new GatewayError('vendor_not_configured', `This tenant has no ${vendor} connection.`);
      const factory = factories[vendor] as AdapterFactory<typeof vendor>;
      adapter = factory({
        connection: connection as VendorConnections[typeof vendor],
        upstream,
        connectionKey: key,
        clock,
      } as never);
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

  const loadContext = (): LoadContext => ({ remember: (_namespace, _key, load) => load() });

  const loadSnapshot: SnapshotLoader = async ({ vendor, adapter, customerId, vendorAt }) => {
    const snapshot = await adapter.loadCustomer(customerId, {
      ...loadContext(),
      ...(vendorAt === undefined ? {} : { at: vendorAt }),
    });
    return {
      snapshot,
      cache: { status: 'miss', ageSeconds: 0, ttlSeconds: config.cache.perVendor[vendor].ttlSeconds },
    };
  };

  return {
    config,
    logger,
    clock,
    cursors,
    adapterFor,
    openRequest({
      tenant,
      forceRefresh,
    }: {
      tenant: TenantConfig;
      platform: PlatformServices;
      forceRefresh: boolean;
    }) {
      const entitlements = new EntitlementService({
        tenant,
        adapterFor: (vendor) => adapterFor(tenant, vendor),
        loadSnapshot,
        cursors,
        now: () => clock.now(),
        forceRefresh,
        loadContext,
        onUnexpectedError: (error) => logger.error('batch_item_failed', { error }),
      });
      return {
        entitlements,
        async invalidateCustomer() {},
        async reload(vendor: VendorId, customerId: string) {
          const adapter = adapterFor(tenant, vendor);
          const { snapshot } = await loadSnapshot({
            vendor,
            adapter,
            customerId,
            vendorAt: undefined,
            forceRefresh: true,
          });
          return {
            entitlementCount: adapter.normalize(snapshot, new Date(clock.now())).entitlements.length,
            fetchedAt: snapshot.fetchedAt,
          };
        },
      };
    },
    async readiness() {
      return {
        ready: true,
        checks: { config: 'ok', redis: config.redisUrl === null ? 'disabled' : 'unknown' },
      };
    },
  };
}

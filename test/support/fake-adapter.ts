import type {
  AdapterFactory,
  CustomerSnapshot,
  VendorAdapter,
  VendorConnectionBase,
} from '../../adapters/kit';
import type { Entitlement, VendorId } from '../../schemas/entitlement';
import { GatewayError } from '../../src/errors/gateway-error';

/** A feature row of the fake vendor. */
export interface FakeFeature {
  key: string;
  hasAccess?: boolean;
  limit?: number | null;
  type?: Entitlement['type'];
}

/** Controls of the fake adapter, shared with the test. */
export interface FakeVendor {
  customers: Map<string, FakeFeature[]>;
  loads: number;
  /** Thrown by the next loads instead of answering. */
  failWith: unknown;
  factory: AdapterFactory<VendorConnectionBase>;
}

/**
 * An in-memory adapter for route tests that are about the gateway, not a vendor: it counts loads and
 * can be told to fail with any error.
 */
export function createFakeVendor(vendor: VendorId): FakeVendor {
  const fake: FakeVendor = {
    customers: new Map(),
    loads: 0,
    failWith: undefined,
    factory: () => adapter,
  };
  const adapter: VendorAdapter<{ features: FakeFeature[] }> = {
    specificationVersion: 'v1',
    vendor,
    timeEvaluation: 'gateway',
    validateCustomerId: (id) => (id.startsWith('bad') ? 'must not start with "bad"' : null),
    async loadCustomer(customerId) {
      fake.loads += 1;
      if (fake.failWith !== undefined) throw fake.failWith;
      const features = fake.customers.get(customerId);
      if (!features) throw new GatewayError('customer_not_found', `No customer ${customerId}.`, { vendor });
      return {
        vendor,
        customerId,
        fetchedAt: new Date().toISOString(),
        evaluatedAt: null,
        data: { features },
      } satisfies CustomerSnapshot;
    },
    normalize(snapshot) {
      const entitlements: Entitlement[] = snapshot.data.features
        .map((feature) => {
          const hasAccess = feature.hasAccess ?? true;
          const limit = feature.limit ?? null;
          return {
            object: 'entitlement' as const,
            vendor,
            customerId: snapshot.customerId,
            featureKey: feature.key,
            featureName: feature.key.toUpperCase(),
            type: feature.type ?? (limit === null ? 'boolean' : 'numeric'),
            hasAccess,
            reason: hasAccess ? null : ('not_entitled' as const),
            unlimited: false,
            limit,
            usage: null,
            remaining: limit,
            value: limit === null ? hasAccess : String(limit),
            config: null,
            unit: null,
            activeFrom: null,
            activeTo: null,
            grants: [],
            raw: [feature],
          };
        })
        .sort((left, right) =>
          left.featureKey < right.featureKey ? -1 : left.featureKey > right.featureKey ? 1 : 0,
        );
      return { entitlements, changesAt: null };
    },
  };
  return fake;
}

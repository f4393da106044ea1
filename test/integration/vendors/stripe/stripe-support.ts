import { expect } from 'vitest';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  generateStripeCustomer,
  stripeDemoCatalogue,
  stripeDemoCustomers,
  stripeSandboxCredentials,
} from '../../../../adapters/stripe/fixtures';
import type { StripeSimulator, StripeSimulatorOptions } from '../../../../adapters/stripe/simulator';

/**
 * What Stripe's gateway-level suites share on top of `startGatewayStack()`: the seed (the demo data
 * plus a customer spanning three Stripe pages), and the documented list request they assert.
 */

/** A customer spanning three Stripe pages of 100 (250 features), next to the demo customers. */
export const BIG_CUSTOMER = 'cus_integrationBig';
export const BIG_FEATURE_COUNT = 250;
const big = generateStripeCustomer(BIG_CUSTOMER, BIG_FEATURE_COUNT);

/** The Stripe simulator's seed: the demo customers and catalogue plus the big customer (its features extend the catalogue). */
export const stripeSeed: Required<Pick<StripeSimulatorOptions, 'customers' | 'features'>> = {
  customers: [...stripeDemoCustomers, big.customer],
  features: [
    ...stripeDemoCatalogue,
    ...big.features.filter((feature) => !stripeDemoCatalogue.some((known) => known.id === feature.id)),
  ],
};

/** The gateway environment of the suites: the stack's own, with snapshots that stay fresh during a suite. */
export const stripeSuiteEnv = { CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' };

/** The list requests Stripe received (for one customer, when given), in arrival order. */
export function listRequests(simulator: StripeSimulator, customerId?: string): RecordedRequest[] {
  return simulator.kit.recorded.filter(
    (request) =>
      request.path === '/v1/entitlements/active_entitlements' &&
      (customerId === undefined || request.query['customer']?.[0] === customerId),
  );
}

/** Asserts the documented outgoing request: GET, path, query (customer, limit=100, expand[]), Bearer key. */
export function expectDocumentedListRequest(request: RecordedRequest | undefined, customerId: string): void {
  expect(request?.method).toBe('GET');
  expect(request?.path).toBe('/v1/entitlements/active_entitlements');
  expect(request?.query['customer']).toEqual([customerId]);
  expect(request?.query['limit']).toEqual(['100']);
  expect(request?.query['expand[]']).toEqual(['data.feature']);
  expect(request?.headers['authorization']).toBe(`Bearer ${stripeSandboxCredentials.apiKey}`);
}

import { describe, expect, it } from 'vitest';
import { adapterFactories } from '../../../adapters/registry';
import type { AdapterFactoryOptions, VendorConnections } from '../../../adapters/spec';
import { type VendorId, vendorIds } from '../../../schemas/entitlement';
import { validateVendorCustomerId } from '../../../src/services/vendor-customer-ids';

const connections: VendorConnections = {
  zenskar: { apiKey: 'k', organisation: 'o', baseUrl: 'https://zenskar.invalid' },
  paygentic: { apiKey: 'k', baseUrl: 'https://paygentic.invalid' },
  chargebee: {
    site: 's',
    apiKey: 'k',
    baseUrl: 'https://chargebee.invalid/api/v2',
    entitlementSource: 'auto',
    consolidateEntitlements: false,
  },
};

function adapterOf(vendor: VendorId) {
  const factory = adapterFactories[vendor] as (options: AdapterFactoryOptions<typeof vendor>) => {
    validateCustomerId(id: string): string | null;
  };
  return factory({
    connection: connections[vendor],
    upstream: {
      request: () => Promise.reject(new Error('no vendor calls in this test')),
    } as never,
    connectionKey: `t:${vendor}`,
    clock: { now: () => 0 },
  } as never);
}

const samples = [
  'c1',
  'cust_acme',
  'cus_demoAcme',
  'cus_',
  'cus_a-b',
  '3c90c3cc-0d44-4b50-8888-8dd25736052a',
  '3C90C3CC-0D44-4B50-8888-8DD25736052A',
  'not-a-uuid',
  '',
  '.',
  '..',
  'a'.repeat(51),
  'tab\there',
];

describe('vendor customer id checks used for static links', () => {
  it.each(vendorIds)('%s: the same verdict and message as its adapter, for every sample id', (vendor) => {
    const adapter = adapterOf(vendor);
    for (const id of samples)
      expect(validateVendorCustomerId(vendor, id), `${vendor} ${JSON.stringify(id)}`).toBe(
        adapter.validateCustomerId(id),
      );
  });
});

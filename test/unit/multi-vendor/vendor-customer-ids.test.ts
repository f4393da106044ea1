import { describe, expect, it } from 'vitest';
import type { AdapterFactory, UpstreamClient, VendorConnectionBase } from '../../../adapters/kit';
import { vendorModule } from '../../../adapters/registry';
import { type VendorId, vendorIds } from '../../../schemas/entitlement';
import { parseMultiVendorSettings } from '../../../src/services/multi-vendor-config';

/** The vendor's real adapter (pointed at its sandbox origin; this test makes no vendor call). */
function adapterOf(vendor: VendorId) {
  const { sandbox, createAdapter } = vendorModule(vendor);
  const upstream = {
    request: () => Promise.reject(new Error('no vendor calls in this test')),
  } as unknown as UpstreamClient;
  return (createAdapter as AdapterFactory<VendorConnectionBase>)({
    connection: sandbox.connection(sandbox.origin),
    upstream,
    connectionKey: `t:${vendor}`,
    clock: { now: () => 0 },
  });
}

/** Ids no vendor could have issued (a dot path segment, a control character). */
const malformed = ['..', 'tab\there'];

describe('vendor customer id checks (one source per vendor)', () => {
  it.each(vendorIds)('%s: the module check is the adapter check, the same function', (vendor) => {
    const module = vendorModule(vendor);
    expect(adapterOf(vendor).validateCustomerId).toBe(module.validateCustomerId);
  });

  it.each(vendorIds)('%s: the seeded sandbox customers pass, malformed ids do not', (vendor) => {
    const module = vendorModule(vendor);
    for (const id of module.sandbox.customerIds) expect(module.validateCustomerId(id), id).toBeNull();
    for (const id of malformed) expect(module.validateCustomerId(id), id).toEqual(expect.any(String));
  });

  it.each(vendorIds)(
    '%s: static links are checked with the module check while the config is parsed',
    (vendor) => {
      const { sandbox } = vendorModule(vendor);
      const problems: string[] = [];
      const settings = parseMultiVendorSettings(
        { customers: { 'app-1': { [vendor]: sandbox.demo.customerId }, 'app-2': { [vendor]: '..' } } },
        { features: 'FEATURE_CATALOG', customers: 'CUSTOMER_LINKS' },
        'all',
        problems,
      );
      expect(settings.customers).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('app-2');
      expect(problems[0]).toContain(vendorModule(vendor).validateCustomerId('..') ?? 'unreachable');
    },
  );
});

import { describe, expect, it } from 'vitest';
import type { AdapterFactory, UpstreamClient, VendorConnectionBase } from '../../../adapters/kit';
import { vendorModule } from '../../../adapters/registry';
import { type VendorId, vendorIds } from '../../../schemas/entitlement';
import { validateVendorCustomerId } from '../../../src/services/vendor-customer-ids';

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

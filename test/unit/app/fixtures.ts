import { adapterFactories } from '../../../adapters/registry';
import { sha256Hex } from '../../../src/config';
import { createFakeVendor } from '../../support/fake-adapter';
import { createTestGateway, OTHER_TENANT_KEY, TEST_KEY } from '../../support/gateway';

/** Two tenants, each with a fake chargebee and a fake zenskar, and the fakes to steer them. */
export async function twoTenantGateway() {
  const chargebee = createFakeVendor('chargebee');
  const zenskar = createFakeVendor('zenskar');
  const paygentic = createFakeVendor('paygentic');
  const connection = {
    chargebee: { site: 'acme-test', apiKey: 'cb_secret_key_123' },
    zenskar: { apiKey: 'zs_secret_key_123', organisation: 'org-1' },
  };
  const gatewayConfig = {
    tenants: [
      { id: 'acme', apiKeyHashes: [await sha256Hex(TEST_KEY)], vendors: connection },
      { id: 'globex', apiKeyHashes: [await sha256Hex(OTHER_TENANT_KEY)], vendors: connection },
    ],
  };
  const gateway = await createTestGateway({
    env: { GATEWAY_CONFIG: JSON.stringify(gatewayConfig) },
    // The registry's factories for every vendor, the fakes for the ones these tests steer.
    adapterFactories: {
      ...adapterFactories,
      chargebee: chargebee.factory,
      zenskar: zenskar.factory,
      paygentic: paygentic.factory,
    },
  });
  return { ...gateway, chargebee, zenskar };
}

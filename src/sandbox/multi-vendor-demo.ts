import { zenskarDemoCustomerIds, zenskarDemoDefinitionIds } from '../../adapters/zenskar/fixtures';
import type { GatewayConfig } from '../config';
import type { VendorLinks } from '../services/customer-links';
import { createFeatureCatalog } from '../services/feature-catalog';

/**
 * The sandbox's "one customer across vendors" demo: the app customer `acme` linked to Acme at all
 * three simulators, and a catalogue whose one app feature sums their seats. `FEATURE_CATALOG` and
 * `CUSTOMER_LINKS` replace them when set.
 */

export const multiVendorDemo = {
  /** The demo app customer: answers for it without `vendor` are merged. */
  appCustomer: 'acme',
  /**
   * The demo app feature: seats at all three vendors, summed. Named like Chargebee's feature, so the
   * single-vendor sandbox examples keep their keys.
   */
  appFeature: 'user-licenses',
} as const;

/** The demo catalogue. */
export const sandboxFeatureCatalog = createFeatureCatalog([
  {
    key: multiVendorDemo.appFeature,
    sources: [
      { vendor: 'chargebee', featureKey: 'user-licenses' },
      { vendor: 'paygentic', featureKey: 'max_users' },
      { vendor: 'zenskar', featureKey: zenskarDemoDefinitionIds.seats },
    ],
    merge: 'sum',
    type: null,
    levels: null,
    name: 'Seats',
    fallback: null,
  },
]);

/** The demo links. */
export const sandboxCustomerLinks: ReadonlyMap<string, VendorLinks> = new Map([
  [
    multiVendorDemo.appCustomer,
    { zenskar: zenskarDemoCustomerIds.acme, paygentic: 'cus_demoAcme', chargebee: 'cust_acme' },
  ],
]);

/** A sandbox tenant with the demo catalogue and links, unless configuration gave its own. */
export function withMultiVendorDemo<T extends GatewayConfig['tenants'][number]>(tenant: T): T {
  return {
    ...tenant,
    features: tenant.features ?? sandboxFeatureCatalog,
    customers: tenant.customers ?? sandboxCustomerLinks,
  };
}

/** The banner lines of the demo: one merged answer. */
export function multiVendorBannerLines(baseUrl: string, auth: string): string[] {
  const { appCustomer, appFeature } = multiVendorDemo;
  return [
    `# One customer across vendors: "${appCustomer}" is linked to all three, "${appFeature}" sums their seats`,
    `curl -s ${auth} '${baseUrl}/v1/customers/${appCustomer}/entitlements?featureKey=${appFeature}'`,
  ];
}

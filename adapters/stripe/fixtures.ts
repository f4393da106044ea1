/**
 * Stripe demo data: what the sandbox serves and what the tests load. The records are the *stored*
 * side of Stripe: a catalogue of features and, per customer, the active entitlements it holds (in the
 * order the list serves them). The simulator expands a row's feature from the catalogue when asked.
 */

/** The key the sandbox's Stripe simulator accepts and the sandbox wiring sends (a test-mode key). */
export const stripeSandboxCredentials = {
  apiKey: 'sk_test_entitlementsGatewaySandbox01',
  /** The sandbox's webhook endpoint secret; used as-is as the HMAC key, as Stripe does. */
  webhookSecret: 'whsec_entitlementsGatewaySandboxStripe01',
} as const;

/** One `entitlements.feature` of the catalogue. */
export interface StripeStoredFeature {
  id: string;
  lookupKey: string;
  name: string;
  /** False once archived. */
  active: boolean;
  metadata: Record<string, string>;
}

/** One active entitlement a customer holds. */
export interface StripeStoredEntitlement {
  id: string;
  featureId: string;
}

/** A demo customer and the active entitlements it holds, in listing order. */
export interface StripeCustomerFixture {
  customerId: string;
  /** What the customer demonstrates, for the sandbox banner and test names. */
  description: string;
  entitlements: StripeStoredEntitlement[];
}

function feature(id: string, lookupKey: string, name: string, active = true): StripeStoredFeature {
  return { id, lookupKey, name, active, metadata: {} };
}

/** The demo catalogue, by feature id. */
export const stripeDemoFeatures: readonly StripeStoredFeature[] = [
  feature('feat_demoSso', 'sso', 'Single sign-on'),
  feature('feat_demoAuditLog', 'audit_log', 'Audit log'),
  feature('feat_demoApiAccess', 'api_access', 'API access'),
  feature('feat_demoPrioritySupport', 'priority_support', 'Priority support'),
  // Archived after Acme subscribed: Stripe still lists Acme's entitlement to it.
  feature('feat_demoLegacyReports', 'legacy_reports', 'Legacy reports', false),
];

/** The number of features of the generated multi-page customer: two pages of 100 and a partial one. */
export const stripeBigcoFeatureCount = 240;

const bigco = generateStripeCustomer('cus_demoBigco', stripeBigcoFeatureCount);

/**
 * The seeded demo customers:
 * - `cus_demoAcme`: four boolean features, one of them archived but still granted (`legacy_reports`).
 * - `cus_demoStarter`: a single feature (`api_access`).
 * - `cus_demoBigco`: 240 generated features (`feature-0000` …), three pages at Stripe's maximum of 100.
 * - `cus_demoNone`: a customer Stripe knows that holds no entitlement (an empty list, not a 404).
 */
export const stripeDemoCustomers: readonly StripeCustomerFixture[] = [
  {
    customerId: 'cus_demoAcme',
    description: 'Business plan: SSO, audit log, API access and an archived legacy feature',
    entitlements: [
      { id: 'ent_demoAcmeSso', featureId: 'feat_demoSso' },
      { id: 'ent_demoAcmeAuditLog', featureId: 'feat_demoAuditLog' },
      { id: 'ent_demoAcmeApiAccess', featureId: 'feat_demoApiAccess' },
      { id: 'ent_demoAcmeLegacyReports', featureId: 'feat_demoLegacyReports' },
    ],
  },
  {
    customerId: 'cus_demoStarter',
    description: 'Starter plan: API access only',
    entitlements: [{ id: 'ent_demoStarterApiAccess', featureId: 'feat_demoApiAccess' }],
  },
  bigco.customer,
  {
    customerId: 'cus_demoNone',
    description: 'A customer without an active subscription: no entitlements',
    entitlements: [],
  },
];

/** Every feature the demo customers use: the demo catalogue plus the generated ones. */
export const stripeDemoCatalogue: readonly StripeStoredFeature[] = [...stripeDemoFeatures, ...bigco.features];

/**
 * A deterministic customer holding `featureCount` features (`feature-0000` …), each through one
 * active entitlement, for crawl and load tests. Ids embed the customer id, so several generated
 * customers can share one simulator; the features are shared (`feat_gen0000` …), as in a catalogue.
 */
export function generateStripeCustomer(
  customerId: string,
  featureCount: number,
): { customer: StripeCustomerFixture; features: StripeStoredFeature[] } {
  const suffix = /^cus_([A-Za-z0-9]+)$/.exec(customerId)?.[1];
  if (suffix === undefined) throw new RangeError(`not a Stripe customer id: ${customerId}`);
  if (!Number.isInteger(featureCount) || featureCount < 0)
    throw new RangeError('featureCount must be an integer ≥ 0');
  const features: StripeStoredFeature[] = [];
  const entitlements: StripeStoredEntitlement[] = [];
  for (let index = 0; index < featureCount; index += 1) {
    const number = String(index).padStart(4, '0');
    const featureId = `feat_gen${number}`;
    features.push(feature(featureId, `feature-${number}`, `Generated feature ${number}`));
    entitlements.push({ id: `ent_${suffix}F${number}`, featureId });
  }
  return {
    customer: {
      customerId,
      description: `Generated: ${featureCount} features, one active entitlement each`,
      entitlements,
    },
    features,
  };
}

/**
 * Demo data of the Chargebee simulator (sandbox mode and tests), in Chargebee's own shapes
 * (snake_case, unix seconds). The simulator derives `customer_entitlements` and
 * `subscription_entitlements` answers from these records, the way Chargebee derives them from
 * subscriptions.
 */

/** The API key and site of the sandbox's Chargebee connection (and of the simulator's auth check). */
export const chargebeeSandboxCredentials = {
  site: 'gateway-sandbox-test',
  apiKey: 'test_cbsandbox_4f7c2d9e1a',
} as const;

/** A level of a quantity/range/custom feature. */
export interface ChargebeeFeatureLevelRecord {
  name?: string;
  value: string;
  level: number;
  is_unlimited: boolean;
}

/** A catalogue feature (`GET /features`). */
export interface ChargebeeFeatureRecord {
  id: string;
  name: string;
  description?: string;
  status: 'active' | 'archived' | 'draft';
  type: 'switch' | 'custom' | 'quantity' | 'range';
  unit?: string;
  levels?: ChargebeeFeatureLevelRecord[];
}

/** A customer (`GET /customers/{id}`). */
export interface ChargebeeCustomerRecord {
  id: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  company?: string;
  created_at: number;
}

/** Subscription statuses Chargebee documents. */
export type ChargebeeSubscriptionStatus =
  | 'future'
  | 'in_trial'
  | 'active'
  | 'non_renewing'
  | 'paused'
  | 'cancelled'
  | 'transferred';

/** A subscription (`GET /subscriptions`, `GET /subscriptions/{id}`). */
export interface ChargebeeSubscriptionRecord {
  id: string;
  customer_id: string;
  status: ChargebeeSubscriptionStatus;
  created_at: number;
}

/**
 * The effective entitlement of one subscription to one feature: what Chargebee derives from the
 * subscription's item prices and overrides. `feature_name`, `feature_unit`, `feature_type` and `name`
 * are filled in from the catalogue when served.
 */
export interface ChargebeeSubscriptionEntitlementRecord {
  subscription_id: string;
  feature_id: string;
  value: string;
  is_enabled: boolean;
  is_overridden: boolean;
  /** Unix seconds; set on scheduled overrides. */
  effective_from?: number;
  /** Unix seconds; set on overrides that expire. */
  expires_at?: number;
  schedule_status?: 'activated' | 'scheduled' | 'failed';
}

/**
 * The whole state of a simulated Chargebee site. Array order is the vendor's internal order: lists
 * are served in it, and `customer_entitlements` groups features by their first appearance in it.
 */
export interface ChargebeeDataset {
  features: ChargebeeFeatureRecord[];
  customers: ChargebeeCustomerRecord[];
  subscriptions: ChargebeeSubscriptionRecord[];
  subscriptionEntitlements: ChargebeeSubscriptionEntitlementRecord[];
}

/** A demo customer with its subscriptions and entitlement rows, and what it demonstrates. */
export interface ChargebeeDemoCustomer {
  customer: ChargebeeCustomerRecord;
  /** Which mapping rules this customer shows. */
  demonstrates: string;
  subscriptions: ChargebeeSubscriptionRecord[];
  subscriptionEntitlements: ChargebeeSubscriptionEntitlementRecord[];
}

/** 2024-01-01T00:00:00Z: a moment safely in the past for expired overrides. */
const PAST = 1_704_067_200;
/** 2099-01-01T00:00:00Z and 2099-06-01T00:00:00Z: safely in the future for scheduled/expiring rows. */
const FUTURE = 4_070_908_800;
const FUTURE_LATER = 4_083_868_800;
const CREATED = 1_700_000_000;

/** The catalogue of the demo site: the three features of Chargebee's documentation example, and more. */
export const chargebeeDemoFeatures: readonly ChargebeeFeatureRecord[] = [
  {
    id: 'user-licenses',
    name: 'User Licenses',
    description: 'Maximum number of user licenses allowed.',
    status: 'active',
    type: 'quantity',
    unit: 'licence',
    levels: [
      { name: '3 licences', value: '3', is_unlimited: false, level: 1 },
      { name: '10 licences', value: '10', is_unlimited: false, level: 2 },
      { name: '25 licences', value: '25', is_unlimited: false, level: 3 },
      { name: 'Unlimited licence', value: 'Unlimited', is_unlimited: true, level: 4 },
    ],
  },
  {
    id: 'support-level',
    name: 'Support Level',
    description: 'Level of support offered.',
    status: 'active',
    type: 'custom',
    levels: [
      { name: 'Email', value: 'Email', is_unlimited: false, level: 1 },
      { name: 'Chat', value: 'Chat', is_unlimited: false, level: 2 },
      { name: 'Calls', value: 'Calls', is_unlimited: false, level: 3 },
    ],
  },
  {
    id: 'xero-integration',
    name: 'Xero Integration',
    description: 'Integrate your Chargebee site with Xero',
    status: 'active',
    type: 'switch',
  },
  {
    id: 'api-calls',
    name: 'API Calls',
    description: 'API calls per month.',
    status: 'active',
    type: 'range',
    unit: 'call',
    levels: [
      { name: '1000 calls', value: '1000', is_unlimited: false, level: 1 },
      { name: '100000 calls', value: '100000', is_unlimited: false, level: 2 },
    ],
  },
  {
    id: 'storage',
    name: 'Storage',
    description: 'Storage in gigabytes.',
    status: 'active',
    type: 'quantity',
    unit: 'gigabyte',
    levels: [
      { name: '50 gigabytes', value: '50', is_unlimited: false, level: 1 },
      { name: '500 gigabytes', value: '500', is_unlimited: false, level: 2 },
      { name: 'Unlimited storage', value: 'unlimited', is_unlimited: true, level: 3 },
    ],
  },
  { id: 'sso', name: 'Single Sign-On', status: 'active', type: 'switch' },
  {
    id: 'data-retention',
    name: 'Data Retention',
    status: 'active',
    type: 'custom',
    levels: [
      { name: '30 days', value: '30 days', is_unlimited: false, level: 1 },
      { name: '90 days', value: '90 days', is_unlimited: false, level: 2 },
      { name: '1 year', value: '1 year', is_unlimited: false, level: 3 },
    ],
  },
];

function entitlement(
  subscriptionId: string,
  featureId: string,
  value: string,
  extra: Partial<ChargebeeSubscriptionEntitlementRecord> = {},
): ChargebeeSubscriptionEntitlementRecord {
  return {
    subscription_id: subscriptionId,
    feature_id: featureId,
    value,
    is_enabled: true,
    is_overridden: false,
    ...extra,
  };
}

/** The demo customers, each showing some mapping rules. */
export const chargebeeDemoCustomers: readonly ChargebeeDemoCustomer[] = [
  {
    customer: {
      id: 'c1',
      first_name: 'Casey',
      last_name: 'One',
      company: 'Docs Example',
      created_at: CREATED,
    },
    demonstrates:
      "Chargebee's documented customer_entitlements example: quantities sum (3 + 10), custom takes the highest level (Chat), switch",
    subscriptions: [
      { id: 's1', customer_id: 'c1', status: 'active', created_at: CREATED },
      { id: 's2', customer_id: 'c1', status: 'active', created_at: CREATED + 60 },
    ],
    // Stored in the order that reproduces the documented pages: features by first appearance.
    subscriptionEntitlements: [
      entitlement('s1', 'user-licenses', '3'),
      entitlement('s2', 'xero-integration', 'true'),
      entitlement('s2', 'user-licenses', '10'),
      entitlement('s1', 'support-level', 'Email'),
      entitlement('s2', 'support-level', 'Chat'),
    ],
  },
  {
    customer: { id: 'cust_acme', company: 'Acme Corp', email: 'billing@acme.test', created_at: CREATED },
    demonstrates:
      'unlimited wins over a number, range sums, a non_renewing subscription still counts, an override that expires in the future (changesAt)',
    subscriptions: [
      { id: 'sub_acme_platform', customer_id: 'cust_acme', status: 'active', created_at: CREATED },
      { id: 'sub_acme_addons', customer_id: 'cust_acme', status: 'non_renewing', created_at: CREATED + 60 },
    ],
    subscriptionEntitlements: [
      entitlement('sub_acme_platform', 'user-licenses', '25'),
      entitlement('sub_acme_platform', 'storage', 'Unlimited'),
      entitlement('sub_acme_platform', 'api-calls', '5000'),
      entitlement('sub_acme_platform', 'sso', 'true'),
      entitlement('sub_acme_platform', 'data-retention', '1 year', {
        is_overridden: true,
        expires_at: FUTURE,
        schedule_status: 'activated',
      }),
      entitlement('sub_acme_addons', 'user-licenses', '10'),
      entitlement('sub_acme_addons', 'storage', '500'),
      entitlement('sub_acme_addons', 'api-calls', '2000'),
      entitlement('sub_acme_addons', 'data-retention', '30 days'),
    ],
  },
  {
    customer: { id: 'cust_globex', company: 'Globex', email: 'it@globex.test', created_at: CREATED },
    demonstrates:
      'disabled feature, quantity 0 (not entitled), switch "false", an override that expired (honoured locally), a scheduled override (inactive)',
    subscriptions: [{ id: 'sub_globex', customer_id: 'cust_globex', status: 'active', created_at: CREATED }],
    subscriptionEntitlements: [
      entitlement('sub_globex', 'sso', 'true', { is_enabled: false }),
      entitlement('sub_globex', 'user-licenses', '0'),
      entitlement('sub_globex', 'xero-integration', 'false'),
      entitlement('sub_globex', 'support-level', 'Calls', {
        is_overridden: true,
        expires_at: PAST,
        schedule_status: 'activated',
      }),
      entitlement('sub_globex', 'storage', '50', {
        is_overridden: true,
        effective_from: FUTURE,
        expires_at: FUTURE_LATER,
        schedule_status: 'scheduled',
      }),
    ],
  },
  {
    customer: { id: 'cust_initech', company: 'Initech', created_at: CREATED },
    demonstrates:
      'a customer whose subscriptions are in_trial and cancelled: Chargebee counts neither, so no entitlements',
    subscriptions: [
      { id: 'sub_initech_trial', customer_id: 'cust_initech', status: 'in_trial', created_at: CREATED },
      {
        id: 'sub_initech_old',
        customer_id: 'cust_initech',
        status: 'cancelled',
        created_at: CREATED - 86_400,
      },
    ],
    subscriptionEntitlements: [
      entitlement('sub_initech_trial', 'user-licenses', '3'),
      entitlement('sub_initech_old', 'sso', 'true'),
    ],
  },
];

/** Options of {@link generateChargebeeCustomer}. */
export interface GenerateChargebeeCustomerOptions {
  /** Subscriptions of the customer (all active); each gets a row for every feature. Default 2. */
  subscriptionCount?: number;
  /** Prefix of the generated feature ids; customers generated with the same prefix share features. */
  featurePrefix?: string;
}

const generatedTypes: ReadonlyArray<ChargebeeFeatureRecord['type']> = [
  'quantity',
  'switch',
  'custom',
  'range',
];

/**
 * A deterministic large customer for crawl tests: `featureCount` features (cycling quantity, switch,
 * custom, range) with one row per subscription and feature. Every 7th feature is disabled on the first
 * subscription, every 11th quantity is unlimited on the last one. Chargebee allows at most 400 features
 * per site, so keep `featureCount` (plus the demo catalogue) under that for a realistic site.
 */
export function generateChargebeeCustomer(
  customerId: string,
  featureCount: number,
  options: GenerateChargebeeCustomerOptions = {},
): ChargebeeDataset {
  const subscriptionCount = options.subscriptionCount ?? 2;
  const prefix = options.featurePrefix ?? 'gen-feature';
  const features: ChargebeeFeatureRecord[] = [];
  for (let index = 0; index < featureCount; index += 1) {
    const id = `${prefix}-${String(index + 1).padStart(4, '0')}`;
    const type = generatedTypes[index % generatedTypes.length] ?? 'switch';
    const feature: ChargebeeFeatureRecord = {
      id,
      name: `Generated feature ${index + 1}`,
      status: 'active',
      type,
    };
    if (type === 'quantity' || type === 'range') {
      feature.unit = 'unit';
      feature.levels = [
        { value: '1', level: 1, is_unlimited: false },
        { value: '1000', level: 2, is_unlimited: false },
        ...(type === 'quantity' ? [{ value: 'unlimited', level: 3, is_unlimited: true }] : []),
      ];
    } else if (type === 'custom') {
      feature.levels = ['bronze', 'silver', 'gold'].map((value, level) => ({
        value,
        level: level + 1,
        is_unlimited: false,
      }));
    }
    features.push(feature);
  }
  const subscriptions: ChargebeeSubscriptionRecord[] = Array.from(
    { length: subscriptionCount },
    (_, index) => ({
      id: `${customerId}-sub-${index + 1}`,
      customer_id: customerId,
      status: 'active',
      created_at: CREATED + index,
    }),
  );
  const subscriptionEntitlements: ChargebeeSubscriptionEntitlementRecord[] = [];
  features.forEach((feature, featureIndex) => {
    subscriptions.forEach((subscription, subscriptionIndex) => {
      const last = subscriptionIndex === subscriptions.length - 1;
      let value: string;
      if (feature.type === 'switch') value = (featureIndex + subscriptionIndex) % 2 === 0 ? 'true' : 'false';
      else if (feature.type === 'custom')
        value = ['bronze', 'silver', 'gold'][(featureIndex + subscriptionIndex) % 3] ?? 'bronze';
      else if (feature.type === 'quantity' && last && featureIndex % 11 === 0) value = 'unlimited';
      else value = String(((featureIndex * 7 + subscriptionIndex * 3) % 50) + 1);
      subscriptionEntitlements.push(
        entitlement(subscription.id, feature.id, value, {
          is_enabled: !(subscriptionIndex === 0 && featureIndex % 7 === 6),
        }),
      );
    });
  });
  return {
    features,
    customers: [{ id: customerId, company: `Generated ${customerId}`, created_at: CREATED }],
    subscriptions,
    subscriptionEntitlements,
  };
}

/** Merges datasets; a feature or customer id seen earlier wins (generated customers share features). */
export function mergeChargebeeDatasets(...datasets: ChargebeeDataset[]): ChargebeeDataset {
  const merged: ChargebeeDataset = {
    features: [],
    customers: [],
    subscriptions: [],
    subscriptionEntitlements: [],
  };
  const featureIds = new Set<string>();
  const customerIds = new Set<string>();
  for (const dataset of datasets) {
    for (const feature of dataset.features) {
      if (featureIds.has(feature.id)) continue;
      featureIds.add(feature.id);
      merged.features.push(feature);
    }
    for (const customer of dataset.customers) {
      if (customerIds.has(customer.id)) continue;
      customerIds.add(customer.id);
      merged.customers.push(customer);
    }
    merged.subscriptions.push(...dataset.subscriptions);
    merged.subscriptionEntitlements.push(...dataset.subscriptionEntitlements);
  }
  return merged;
}

/** The id of the demo customer whose rows span several `customer_entitlements` pages at limit 100. */
export const chargebeeDemoLargeCustomerId = 'cust_enterprise';

/**
 * A fresh, mutable copy of the demo site: the catalogue, the demo customers and one large customer
 * (250 features × 2 subscriptions: 3 `customer_entitlements` pages and 3 `subscription_entitlements`
 * pages per subscription at limit 100).
 */
export function createChargebeeDemoDataset(): ChargebeeDataset {
  const demo: ChargebeeDataset = {
    features: [...chargebeeDemoFeatures],
    customers: chargebeeDemoCustomers.map((entry) => entry.customer),
    subscriptions: chargebeeDemoCustomers.flatMap((entry) => entry.subscriptions),
    subscriptionEntitlements: chargebeeDemoCustomers.flatMap((entry) => entry.subscriptionEntitlements),
  };
  // structuredClone: tests mutate the store, and must never mutate the shared demo constants.
  return structuredClone(
    mergeChargebeeDatasets(demo, generateChargebeeCustomer(chargebeeDemoLargeCustomerId, 250)),
  );
}

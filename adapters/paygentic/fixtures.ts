/**
 * Paygentic demo data: what the sandbox serves and what the tests load. The records are the
 * *stored* side of Paygentic (an issued entitlement with its window, cancellation, config and
 * metering); the simulator evaluates them at the requested `at` into the `EntitlementAccessResult`
 * rows the API returns, so one record answers differently in the past and in the future.
 */

/** The key the sandbox's Paygentic simulator accepts and the sandbox wiring sends (a test-mode key). */
export const paygenticSandboxCredentials = {
  apiKey: 'sk_test_entitlementsGatewaySandbox01',
} as const;

/** Paygentic's three feature types. */
export type PaygenticFeatureType = 'boolean' | 'static' | 'metered';

/** An amount of a metered feature granted to an entitlement (Paygentic `Grant`, simplified). */
export interface PaygenticStoredGrant {
  id: string;
  amount: number;
  effectiveAt: string;
  expiresAt: string | null;
}

/** Recorded usage of a metered feature (what `POST /v0/events` would have decremented). */
export interface PaygenticStoredUsage {
  at: string;
  amount: number;
}

/** How a metered entitlement is measured. */
export interface PaygenticStoredMetering {
  /**
   * The usage period (ISO 8601 duration `P<n>D|W|M|Y` from `anchor`), or null for none. With a
   * period, each effective grant is the allowance of every period and usage counts from the period's
   * start; without one, grants add up and usage counts from the beginning.
   */
  usagePeriod: { interval: string; anchor: string } | null;
  /** Soft limit: access continues at a zero balance and overage is billed. */
  isSoftLimit: boolean;
  grants: PaygenticStoredGrant[];
  usage: PaygenticStoredUsage[];
}

/** One issued entitlement as Paygentic stores it. */
export interface PaygenticStoredEntitlement {
  id: string;
  customerId: string;
  productId: string;
  subscriptionId: string | null;
  featureId: string;
  featureKey: string;
  featureType: PaygenticFeatureType;
  activeFrom: string;
  activeTo: string | null;
  /** When the subscription behind it was canceled; from then on its status is `canceled`. */
  canceledAt: string | null;
  /** Static features only. */
  config: Record<string, unknown> | null;
  metadata: Record<string, string>;
  /** Metered features only. */
  metering: PaygenticStoredMetering | null;
}

/** A demo customer and its entitlements, in the order Paygentic lists them (issue order). */
export interface PaygenticCustomerFixture {
  customerId: string;
  /** What the customer demonstrates, for the sandbox banner and test names. */
  description: string;
  entitlements: PaygenticStoredEntitlement[];
}

const since2024 = '2024-01-01T00:00:00Z';

type EntitlementSeed = Pick<PaygenticStoredEntitlement, 'id' | 'productId' | 'featureKey' | 'featureType'> &
  Partial<Omit<PaygenticStoredEntitlement, 'id' | 'productId' | 'featureKey' | 'featureType'>>;

function entitlementOf(customerId: string, seed: EntitlementSeed): PaygenticStoredEntitlement {
  return {
    customerId,
    subscriptionId: null,
    featureId: `feat_${seed.featureKey.replace(/[^a-zA-Z0-9]/g, '')}`,
    activeFrom: since2024,
    activeTo: null,
    canceledAt: null,
    config: null,
    metadata: {},
    metering: null,
    ...seed,
  };
}

function meteringOf(
  granted: number,
  used: Array<[at: string, amount: number]>,
  options: { isSoftLimit?: boolean; usagePeriod?: PaygenticStoredMetering['usagePeriod'] } = {},
  grantId = 'grt_demo',
): PaygenticStoredMetering {
  return {
    usagePeriod: options.usagePeriod ?? null,
    isSoftLimit: options.isSoftLimit ?? false,
    grants: [{ id: grantId, amount: granted, effectiveAt: since2024, expiresAt: null }],
    usage: used.map(([at, amount]) => ({ at, amount })),
  };
}

const acme = 'cus_demoAcme';
const lapsed = 'cus_demoLapsed';

/**
 * The seeded demo customers, covering every mapping rule (docs/mapping.md):
 * - `cus_demoAcme`: boolean (`sso_enabled`, also held through a canceled legacy product), numeric
 *   (`max_users` 25 on the plan and 50 from an add-on), config (`storage`), metered with a monthly
 *   period (`api_calls`), metered soft limit run dry but still allowed (`ai_tokens`), metered hard
 *   limit run dry (`sms`), canceled (`audit_log`), expired (`legacy_export`), not yet active
 *   (`beta_agents`).
 * - `cus_demoLapsed`: a customer whose subscription ended: every row canceled or expired.
 * - `cus_demoBigco`: 520 rows over 260 features, six pages of 100.
 *
 * Paygentic has no "unlimited" entitlement, so no customer shows one.
 */
export const paygenticDemoCustomers: readonly PaygenticCustomerFixture[] = [
  {
    customerId: acme,
    description: 'Growth plan with a seats add-on, a canceled legacy plan and every feature type',
    entitlements: [
      entitlementOf(acme, {
        id: 'ent_acmeSso',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'sso_enabled',
        featureType: 'boolean',
      }),
      entitlementOf(acme, {
        id: 'ent_acmeSeats',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'max_users',
        featureType: 'static',
        config: { limit: 25 },
      }),
      entitlementOf(acme, {
        id: 'ent_acmeStorage',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'storage',
        featureType: 'static',
        config: { limitGB: 500, allowedFileTypes: ['pdf', 'csv', 'png'] },
      }),
      entitlementOf(acme, {
        id: 'ent_acmeApiCalls',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'api_calls',
        featureType: 'metered',
        metering: meteringOf(
          10_000,
          [
            ['2024-03-02T10:00:00Z', 1_200],
            ['2024-03-10T10:00:00Z', 300],
            ['2024-04-05T10:00:00Z', 50],
          ],
          { usagePeriod: { interval: 'P1M', anchor: since2024 } },
          'grt_acmeApiCalls',
        ),
      }),
      entitlementOf(acme, {
        id: 'ent_acmeAiTokens',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'ai_tokens',
        featureType: 'metered',
        metering: meteringOf(
          1_000,
          [['2024-02-10T09:00:00Z', 1_200]],
          { isSoftLimit: true },
          'grt_acmeAiTokens',
        ),
      }),
      entitlementOf(acme, {
        id: 'ent_acmeSms',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'sms',
        featureType: 'metered',
        metering: meteringOf(500, [['2024-02-01T12:00:00Z', 500]], {}, 'grt_acmeSms'),
      }),
      entitlementOf(acme, {
        id: 'ent_acmeSeatsAddon',
        productId: 'prod_seatsAddon',
        subscriptionId: 'sub_acmeSeats',
        featureKey: 'max_users',
        featureType: 'static',
        activeFrom: '2025-06-01T00:00:00Z',
        config: { limit: 50 },
      }),
      entitlementOf(acme, {
        id: 'ent_acmeLegacySso',
        productId: 'prod_legacy',
        subscriptionId: 'sub_acmeLegacy',
        featureKey: 'sso_enabled',
        featureType: 'boolean',
        canceledAt: '2025-03-01T00:00:00Z',
      }),
      entitlementOf(acme, {
        id: 'ent_acmeAuditLog',
        productId: 'prod_legacy',
        subscriptionId: 'sub_acmeLegacy',
        featureKey: 'audit_log',
        featureType: 'boolean',
        canceledAt: '2025-03-01T00:00:00Z',
      }),
      entitlementOf(acme, {
        id: 'ent_acmeLegacyExport',
        productId: 'prod_legacy',
        subscriptionId: null,
        featureKey: 'legacy_export',
        featureType: 'boolean',
        activeTo: '2025-01-01T00:00:00Z',
      }),
      entitlementOf(acme, {
        id: 'ent_acmeBetaAgents',
        productId: 'prod_growth',
        subscriptionId: 'sub_acmeGrowth',
        featureKey: 'beta_agents',
        featureType: 'boolean',
        activeFrom: '2099-01-01T00:00:00Z',
      }),
    ],
  },
  {
    customerId: lapsed,
    description: 'Subscription canceled and trial features expired: nothing is granted',
    entitlements: [
      entitlementOf(lapsed, {
        id: 'ent_lapsedSso',
        productId: 'prod_growth',
        subscriptionId: 'sub_lapsedGrowth',
        featureKey: 'sso_enabled',
        featureType: 'boolean',
        canceledAt: '2025-05-01T00:00:00Z',
      }),
      entitlementOf(lapsed, {
        id: 'ent_lapsedSeats',
        productId: 'prod_trial',
        subscriptionId: 'sub_lapsedTrial',
        featureKey: 'max_users',
        featureType: 'static',
        activeTo: '2024-02-01T00:00:00Z',
        config: { limit: 5 },
      }),
      entitlementOf(lapsed, {
        id: 'ent_lapsedApiCalls',
        productId: 'prod_growth',
        subscriptionId: 'sub_lapsedGrowth',
        featureKey: 'api_calls',
        featureType: 'metered',
        canceledAt: '2025-05-01T00:00:00Z',
        metering: meteringOf(
          2_000,
          [['2025-04-20T08:00:00Z', 120]],
          { usagePeriod: { interval: 'P1M', anchor: since2024 } },
          'grt_lapsedApiCalls',
        ),
      }),
    ],
  },
  generatePaygenticCustomer('cus_demoBigco', 260, { rowsPerFeature: 2 }),
];

/** Options of {@link generatePaygenticCustomer}. */
export interface GeneratePaygenticCustomerOptions {
  /** Rows per feature key, each through its own product (default 1). */
  rowsPerFeature?: number;
  description?: string;
}

/**
 * A deterministic customer with `featureCount` feature keys (`feature-0000`, …) and
 * `rowsPerFeature` rows each, for crawl tests and load tests. Feature types cycle boolean → static
 * (numeric `limit`) → metered; every tenth feature's first row is canceled. Entitlement ids embed
 * the customer id, so several generated customers can share one simulator.
 */
export function generatePaygenticCustomer(
  customerId: string,
  featureCount: number,
  options: GeneratePaygenticCustomerOptions = {},
): PaygenticCustomerFixture {
  const suffix = /^cus_([a-zA-Z0-9]+)$/.exec(customerId)?.[1];
  if (suffix === undefined) throw new RangeError(`not a Paygentic customer id: ${customerId}`);
  const rowsPerFeature = options.rowsPerFeature ?? 1;
  if (
    !Number.isInteger(featureCount) ||
    featureCount < 0 ||
    !Number.isInteger(rowsPerFeature) ||
    rowsPerFeature < 1
  ) {
    throw new RangeError('featureCount must be an integer ≥ 0 and rowsPerFeature an integer ≥ 1');
  }
  const featureTypes: readonly PaygenticFeatureType[] = ['boolean', 'static', 'metered'];
  const entitlements: PaygenticStoredEntitlement[] = [];
  for (let feature = 0; feature < featureCount; feature += 1) {
    const featureKey = `feature-${String(feature).padStart(4, '0')}`;
    const featureType = featureTypes[feature % featureTypes.length] ?? 'boolean';
    for (let row = 0; row < rowsPerFeature; row += 1) {
      const id = `ent_${suffix}F${feature}R${row}`;
      entitlements.push({
        id,
        customerId,
        productId: `prod_gen${row}`,
        subscriptionId: `sub_${suffix}${row}`,
        featureId: `feat_gen${feature}`,
        featureKey,
        featureType,
        activeFrom: since2024,
        activeTo: null,
        canceledAt: feature % 10 === 9 && row === 0 ? '2025-01-01T00:00:00Z' : null,
        config: featureType === 'static' ? { limit: 10 + ((feature * 7 + row) % 90) } : null,
        metadata: {},
        metering:
          featureType === 'metered'
            ? meteringOf(
                1_000,
                [['2024-06-01T00:00:00Z', (feature * 37 + row * 11) % 1_200]],
                { isSoftLimit: feature % 2 === 0 },
                `grt_${suffix}F${feature}R${row}`,
              )
            : null,
      });
    }
  }
  return {
    customerId,
    description: options.description ?? `Generated: ${featureCount} features × ${rowsPerFeature} rows`,
    entitlements,
  };
}

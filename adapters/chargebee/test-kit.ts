import type { ExpectedFeature, VendorTestKit } from '../vendor-test-kit';
import { chargebeeSandboxCredentials } from './fixtures';
import { chargebeeModule } from './index';
import type { ChargebeeSimulatorStore } from './simulator';

/** `Basic base64(username:password)`: how Chargebee sends its API key (as the user, no password) and webhooks. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Chargebee in the shared test suites (see adapters/vendor-test-kit.ts). */
export const testKit: VendorTestKit<typeof chargebeeModule> = {
  id: 'chargebee',
  connection: (origin, options) => ({
    ...chargebeeModule.sandbox.connection(origin),
    apiKey: options?.apiKey ?? chargebeeSandboxCredentials.apiKey,
  }),
  account: (label) => ({ apiKey: `test_cb_${label}_api_key` }),
  env: (connection) => ({
    CHARGEBEE_SITE: connection.site,
    CHARGEBEE_API_KEY: connection.apiKey,
    CHARGEBEE_BASE_URL: connection.baseUrl,
    CHARGEBEE_ENTITLEMENT_SOURCE: connection.entitlementSource,
    CHARGEBEE_CONSOLIDATE_ENTITLEMENTS: String(connection.consolidateEntitlements),
  }),
  webhookEnv: (webhook) => ({
    CHARGEBEE_WEBHOOK_USERNAME: webhook.username,
    CHARGEBEE_WEBHOOK_PASSWORD: webhook.password,
  }),
  authorization: (connection) => ({
    header: 'authorization',
    value: basicAuthorization(connection.apiKey, ''),
  }),
  secrets: (connection, webhook) => [
    { name: 'Chargebee API key', value: connection.apiKey },
    {
      name: 'Chargebee Basic credentials',
      value: basicAuthorization(connection.apiKey, '').slice('Basic '.length),
    },
    ...(webhook === undefined
      ? []
      : [
          { name: 'Chargebee webhook password', value: webhook.password },
          {
            name: 'Chargebee webhook Basic credentials',
            value: basicAuthorization(webhook.username, webhook.password).slice('Basic '.length),
          },
        ]),
  ],
  data: {
    customerId: 'c1',
    otherCustomerId: 'cust_acme',
    unknownCustomerIds: ['cust_unknown_1', 'cust_unknown_2'],
    unknownCustomer: 'not_found',
  },
  markFeatures(simulator, marker) {
    for (const feature of simulator.store.features) feature.name = `${marker} ${feature.name}`;
    for (const row of simulator.store.subscriptionEntitlements) {
      const named = row as { feature_name?: string };
      if (typeof named.feature_name === 'string') named.feature_name = `${marker} ${named.feature_name}`;
    }
  },
  forgetCustomer(simulator, customerId) {
    const { store } = simulator;
    store.customers = store.customers.filter((customer) => customer.id !== customerId);
    const gone = new Set(
      store.subscriptions.filter((row) => row.customer_id === customerId).map((row) => row.id),
    );
    store.subscriptions = store.subscriptions.filter((row) => !gone.has(row.id));
    store.subscriptionEntitlements = store.subscriptionEntitlements.filter(
      (row) => !gone.has(row.subscription_id),
    );
  },
  faults: {
    rowsPath: /^\/api\/v2\/customers\/[^/]+\/customer_entitlements$/,
    errorBody: (status, message) =>
      JSON.stringify({
        message,
        type: 'operation_failed',
        api_error_code: status === 429 ? 'api_request_limit_exceeded' : 'internal_error',
        http_status_code: status,
      }),
  },
  webhook: {
    secrets: (label) => ({ username: `hooks-${label}`, password: `webhook-password-${label}-3f1c` }),
    // Chargebee protects webhooks with the HTTP Basic credentials configured on the endpoint.
    sign: (_body, secrets) => ({ authorization: basicAuthorization(secrets.username, secrets.password) }),
    customerChanged: (customerId, eventId, nowSeconds) =>
      JSON.stringify({
        id: eventId,
        occurred_at: nowSeconds,
        object: 'event',
        event_type: 'customer_changed',
        content: { customer: { id: customerId } },
      }),
  },
};

const chargebeeTypes = { switch: 'boolean', quantity: 'numeric', range: 'numeric', custom: 'enum' } as const;

/**
 * Chargebee, from the simulator's store and Chargebee's documented rules: only rows of
 * `active`/`non_renewing` subscriptions count; a row counts when enabled and inside its
 * effective/expiry window; switch is any "true"/"available"; quantity and range sum, "unlimited" wins;
 * custom grants when it has a value. `withScheduled`: the fallback path also lists rows whose
 * `effective_from` is still ahead (customer_entitlements leaves them out).
 */
export function chargebeeExpected(
  store: ChargebeeSimulatorStore,
  customerId: string,
  nowMs: number,
  withScheduled = false,
): Map<string, ExpectedFeature> {
  const nowSeconds = nowMs / 1000;
  const subscriptions = new Set(
    store.subscriptions
      .filter(
        (subscription) =>
          subscription.customer_id === customerId &&
          (subscription.status === 'active' || subscription.status === 'non_renewing'),
      )
      .map((subscription) => subscription.id),
  );
  const byFeature = new Map<string, typeof store.subscriptionEntitlements>();
  for (const row of store.subscriptionEntitlements) {
    if (!subscriptions.has(row.subscription_id)) continue;
    if (!withScheduled && row.effective_from !== undefined && row.effective_from > nowSeconds) continue;
    byFeature.set(row.feature_id, [...(byFeature.get(row.feature_id) ?? []), row]);
  }
  const expected = new Map<string, ExpectedFeature>();
  for (const [featureId, rows] of byFeature) {
    const feature = store.features.find((candidate) => candidate.id === featureId);
    if (!feature) throw new Error(`oracle: feature ${featureId} is not in the catalogue`);
    const live = rows.filter(
      (row) =>
        row.is_enabled &&
        (row.effective_from === undefined || row.effective_from <= nowSeconds) &&
        (row.expires_at === undefined || row.expires_at > nowSeconds),
    );
    const unlimitedValues = new Set(
      ['unlimited', ...(feature.levels ?? []).filter((level) => level.is_unlimited).map((l) => l.value)].map(
        (value) => value.toLowerCase(),
      ),
    );
    let hasAccess: boolean;
    if (feature.type === 'switch') hasAccess = live.some((row) => /^(true|available)$/i.test(row.value));
    else if (feature.type === 'custom') hasAccess = live.some((row) => row.value !== '');
    else if (live.some((row) => unlimitedValues.has(row.value.toLowerCase()))) hasAccess = true;
    else hasAccess = live.reduce((sum, row) => sum + (Number(row.value) || 0), 0) > 0;
    expected.set(featureId, { type: chargebeeTypes[feature.type], hasAccess });
  }
  return expected;
}

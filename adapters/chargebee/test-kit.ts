import type { VendorTestKit } from '../vendor-test-kit';
import { chargebeeSandboxCredentials } from './fixtures';
import { chargebeeModule } from './index';

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
  env: (connection, webhook) => ({
    CHARGEBEE_SITE: connection.site,
    CHARGEBEE_API_KEY: connection.apiKey,
    CHARGEBEE_BASE_URL: connection.baseUrl,
    CHARGEBEE_ENTITLEMENT_SOURCE: connection.entitlementSource,
    CHARGEBEE_CONSOLIDATE_ENTITLEMENTS: String(connection.consolidateEntitlements),
    ...(webhook === undefined
      ? {}
      : { CHARGEBEE_WEBHOOK_USERNAME: webhook.username, CHARGEBEE_WEBHOOK_PASSWORD: webhook.password }),
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

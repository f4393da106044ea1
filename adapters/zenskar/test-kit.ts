import { createHmac } from 'node:crypto';
import type { ExpectedFeature, VendorTestKit } from '../vendor-test-kit';
import { zenskarDemoCustomerIds, zenskarFixtureUuid, zenskarSandboxCredentials } from './fixtures';
import { zenskarModule } from './index';
import type { ZenskarSimulatorStore } from './simulator';
import { defaultZenskarSignatureHeader } from './webhook-signature';

/** HMAC-SHA256 of a body with the shared secret: what Zenskar signs a webhook with. */
export function sharedSecretDigest(body: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** Zenskar in the shared test suites (see adapters/vendor-test-kit.ts). */
export const testKit: VendorTestKit<typeof zenskarModule> = {
  id: 'zenskar',
  connection: (origin, options) => ({
    ...zenskarModule.sandbox.connection(origin),
    ...(options?.credentials ?? zenskarSandboxCredentials),
  }),
  // Zenskar keys are bound to an organisation (a UUID), sent with every call.
  account: (label) => ({
    credentials: { apiKey: `zenskar-${label}-api-key`, organisation: zenskarFixtureUuid('account', label) },
  }),
  env: (connection) => ({
    ZENSKAR_API_KEY: connection.apiKey,
    ZENSKAR_ORGANISATION: connection.organisation,
    ZENSKAR_BASE_URL: connection.baseUrl,
  }),
  webhookEnv: (webhook) => ({
    ZENSKAR_WEBHOOK_SECRET: webhook.secret,
    ZENSKAR_WEBHOOK_SIGNATURE_HEADER: webhook.header,
  }),
  authorization: (connection) => ({ header: 'x-api-key', value: connection.apiKey }),
  secrets: (connection, webhook) => [
    { name: 'Zenskar API key', value: connection.apiKey },
    ...(webhook === undefined ? [] : [{ name: 'Zenskar webhook secret', value: webhook.secret }]),
  ],
  data: {
    customerId: zenskarDemoCustomerIds.acme,
    otherCustomerId: zenskarDemoCustomerIds.globex,
    unknownCustomerIds: ['c0000000-0000-4000-8000-0000000009a1', 'c0000000-0000-4000-8000-0000000009a2'],
    unknownCustomer: 'not_found',
  },
  markFeatures(simulator, marker) {
    for (const definition of simulator.store.definitions.values())
      definition.name = `${marker} ${definition.name}`;
  },
  forgetCustomer(simulator, customerId) {
    simulator.store.deleteCustomer(customerId);
  },
  faults: {
    rowsPath: /^\/entitlements\/customer\/[^/]+$/,
    // FastAPI's error body.
    errorBody: (_status, message) => JSON.stringify({ detail: message }),
  },
  webhook: {
    secrets: (label) => ({
      secret: `zenskar-webhook-secret-${label}`,
      header: defaultZenskarSignatureHeader,
    }),
    // The hex HMAC-SHA256 of the raw body, in the configured header.
    sign: (body, secrets) => ({ [secrets.header]: sharedSecretDigest(body, secrets.secret).toString('hex') }),
    customerChanged: (customerId, eventId) =>
      JSON.stringify({ id: eventId, event: 'customer.updated', data: { customer_id: customerId } }),
  },
};

/**
 * Zenskar, from the simulator's store and Zenskar's documented row semantics: a row counts
 * when its status is `active` (or missing) and `active_from <= now < expiry_at`; Feature → boolean
 * (any counted row); Quantity/Credits → metered (counted rows whose summed remaining is above 0).
 */
export function zenskarExpected(
  store: ZenskarSimulatorStore,
  customerId: string,
  nowMs: number,
): Map<string, ExpectedFeature> {
  const customer = store.customers.get(customerId.toLowerCase());
  if (!customer) throw new Error(`oracle: no Zenskar customer ${customerId}`);
  const byDefinition = new Map<string, typeof customer.rows>();
  for (const row of customer.rows) {
    byDefinition.set(row.entitlement, [...(byDefinition.get(row.entitlement) ?? []), row]);
  }
  const expected = new Map<string, ExpectedFeature>();
  for (const [definitionId, rows] of byDefinition) {
    const definition = store.definitions.get(definitionId.toLowerCase());
    if (!definition) throw new Error(`oracle: no Zenskar definition ${definitionId}`);
    const counted = rows.filter(
      (row) =>
        (row.status === null || row.status === 'active') &&
        (row.active_from === null || Date.parse(row.active_from) <= nowMs) &&
        (row.expiry_at === null || nowMs < Date.parse(row.expiry_at)),
    );
    if (definition.entitlement_type === 'Feature') {
      expected.set(definitionId, { type: 'boolean', hasAccess: counted.length > 0 });
      continue;
    }
    const remaining = counted.every((row) => typeof row.quantity_remaining === 'number')
      ? counted.reduce((sum, row) => sum + (row.quantity_remaining ?? 0), 0)
      : counted.reduce((sum, row) => sum + (row.quantity ?? 0) - (row.quantity_used ?? 0), 0);
    expected.set(definitionId, { type: 'metered', hasAccess: counted.length > 0 && remaining > 0 });
  }
  return expected;
}

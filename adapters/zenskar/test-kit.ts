import { createHmac } from 'node:crypto';
import type { VendorTestKit } from '../vendor-test-kit';
import { zenskarDemoCustomerIds, zenskarFixtureUuid, zenskarSandboxCredentials } from './fixtures';
import { zenskarModule } from './index';
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
  env: (connection, webhook) => ({
    ZENSKAR_API_KEY: connection.apiKey,
    ZENSKAR_ORGANISATION: connection.organisation,
    ZENSKAR_BASE_URL: connection.baseUrl,
    ...(webhook === undefined
      ? {}
      : { ZENSKAR_WEBHOOK_SECRET: webhook.secret, ZENSKAR_WEBHOOK_SIGNATURE_HEADER: webhook.header }),
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

import { createHmac } from 'node:crypto';
import type { VendorTestKit } from '../vendor-test-kit';
import { stripeSandboxCredentials } from './fixtures';
import { stripeModule } from './index';

/**
 * The `Stripe-Signature` header for `body` at `timestampSeconds`: `t=<seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" keyed with the endpoint secret>`, from Stripe's documentation (node:crypto, not the
 * gateway's verifier).
 */
export function stripeSignature(body: string, timestampSeconds: number, secret: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/** Stripe in the shared test suites (see adapters/vendor-test-kit.ts). */
export const testKit: VendorTestKit<typeof stripeModule> = {
  id: 'stripe',
  connection: (origin, options) => ({
    ...stripeModule.sandbox.connection(origin),
    apiKey: options?.apiKey ?? stripeSandboxCredentials.apiKey,
  }),
  account: (label) => ({ apiKey: `sk_test_${label.replace(/[^A-Za-z0-9]/g, '')}StripeKey` }),
  env: (connection) => ({
    STRIPE_API_KEY: connection.apiKey,
    STRIPE_BASE_URL: connection.baseUrl,
    ...(connection.apiVersion === undefined ? {} : { STRIPE_API_VERSION: connection.apiVersion }),
  }),
  webhookEnv: (webhook) => ({ STRIPE_WEBHOOK_SECRET: webhook.secret }),
  authorization: (connection) => ({ header: 'authorization', value: `Bearer ${connection.apiKey}` }),
  secrets: (connection, webhook) => [
    { name: 'Stripe API key', value: connection.apiKey },
    ...(webhook === undefined ? [] : [{ name: 'Stripe webhook secret', value: webhook.secret }]),
  ],
  data: {
    customerId: 'cus_demoAcme',
    otherCustomerId: 'cus_demoStarter',
    unknownCustomerIds: ['cus_unknownOne', 'cus_unknownTwo'],
    unknownCustomer: 'not_found',
  },
  markFeatures(simulator, marker) {
    for (const feature of simulator.store.features.values()) feature.name = `${marker} ${feature.name}`;
  },
  forgetCustomer(simulator, customerId) {
    simulator.store.customers.delete(customerId);
  },
  faults: {
    rowsPath: /^\/v1\/entitlements\/active_entitlements$/,
    errorBody: (status, message) =>
      JSON.stringify({
        error:
          status === 429
            ? { type: 'invalid_request_error', code: 'rate_limit', message }
            : { type: 'api_error', message },
      }),
  },
  webhook: {
    secrets: (label) => ({ secret: `whsec_${label.replace(/[^A-Za-z0-9]/g, '')}StripeEndpoint5b8e1f` }),
    sign: (body, secrets, { nowSeconds }) => ({
      'stripe-signature': stripeSignature(body, nowSeconds, secrets.secret),
    }),
    customerChanged: (customerId, eventId, nowSeconds) =>
      JSON.stringify({
        id: eventId,
        object: 'event',
        type: 'entitlements.active_entitlement_summary.updated',
        created: nowSeconds,
        livemode: false,
        data: { object: { object: 'entitlements.active_entitlement_summary', customer: customerId } },
      }),
  },
};

import { z } from 'zod';
import { baseUrlOr, httpUrl, optionalString, requireAll, tenantBaseUrl, type VendorModule } from '../kit';
import { createStripeAdapter } from './adapter';
import { validateStripeCustomerId } from './client';
import type { StripeConnection, StripeWebhookSecrets } from './connection';
import { stripeDemoCustomers, stripeSandboxCredentials } from './fixtures';
import { createStripeSimulator, type StripeSimulator, type StripeSimulatorOptions } from './simulator';
import { verifyStripeWebhook } from './webhook-signature';

const defaultBaseUrl = 'https://api.stripe.com';
/** Stripe's date-named API versions (`2024-09-30.acacia`), sent as `Stripe-Version`. */
const apiVersion = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?$/, 'must be a Stripe API version like "2024-09-30.acacia"');
const demoCustomerId = 'cus_demoAcme';
const demoFeatureKey = 'sso';

/** Stripe as one module: config, adapter, webhook, sandbox and defaults. */
export const stripeModule: VendorModule<
  'stripe',
  StripeConnection,
  StripeWebhookSecrets,
  StripeSimulator,
  StripeSimulatorOptions
> = {
  id: 'stripe',
  displayName: 'Stripe',
  config: {
    envPrefix: 'STRIPE',
    env: {
      STRIPE_API_KEY: optionalString,
      STRIPE_BASE_URL: httpUrl,
      STRIPE_API_VERSION: optionalString.pipe(apiVersion.optional()),
      STRIPE_WEBHOOK_SECRET: optionalString,
    },
    credentialVariables: ['STRIPE_API_KEY'],
    connectionFromEnv(env, problems) {
      if (!requireAll(env, ['STRIPE_API_KEY'], problems)) return undefined;
      const version = env.STRIPE_API_VERSION as string | undefined;
      return {
        apiKey: env.STRIPE_API_KEY as string,
        baseUrl: (env.STRIPE_BASE_URL as string | undefined) ?? defaultBaseUrl,
        ...(version === undefined ? {} : { apiVersion: version }),
      };
    },
    webhookFromEnv(env) {
      if (env.STRIPE_WEBHOOK_SECRET === undefined) return undefined;
      return { secret: env.STRIPE_WEBHOOK_SECRET as string };
    },
    tenantConnection: z
      .object({ apiKey: z.string().min(1), baseUrl: tenantBaseUrl, apiVersion: apiVersion.optional() })
      .strict()
      .transform((tenant) => ({ ...tenant, baseUrl: baseUrlOr(tenant.baseUrl, defaultBaseUrl) })),
    tenantWebhook: z.object({ secret: z.string().min(1) }).strict(),
    connectionSecrets: (connection) => [connection.apiKey],
    webhookSecrets: (secrets) => [secrets.secret],
  },
  validateCustomerId: validateStripeCustomerId,
  createAdapter: createStripeAdapter,
  webhook: {
    scheme: 'Stripe: Stripe-Signature HMAC-SHA256 of "<t>.<body>" with a 5-minute timestamp tolerance',
    verify: verifyStripeWebhook,
  },
  sandbox: {
    origin: 'https://stripe.sandbox.invalid',
    createSimulator: createStripeSimulator,
    connection: (origin) => ({ apiKey: stripeSandboxCredentials.apiKey, baseUrl: origin }),
    // `sso`: a feature the demo customer holds (Stripe feature lookup keys are the app's own spelling).
    demo: { customerId: demoCustomerId, featureKey: demoFeatureKey },
    customerIds: stripeDemoCustomers.map((customer) => customer.customerId),
    bannerLines: ({ baseUrl, auth }) => [
      `curl -s ${auth} '${baseUrl}/v1/customers/${demoCustomerId}/entitlements?vendor=stripe'`,
    ],
  },
  defaults: {
    // 25 requests/s = 1,500/min. It is Stripe's global limit in test mode and, in live mode (100/s
    // globally), the default limit of individual endpoints, so it holds for either kind of key
    // without the gateway guessing the account's mode or plan. Stripe's 429s are still honoured.
    requestsPerMinute: 1_500,
    maxConcurrent: 8,
  },
};

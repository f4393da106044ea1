import { z } from 'zod';
import { baseUrlOr, httpUrl, optionalString, requireAll, tenantBaseUrl, type VendorModule } from '../kit';
import { createPaygenticAdapter } from './adapter';
import type { PaygenticConnection, PaygenticWebhookSecrets } from './connection';
import { paygenticDemoCustomers, paygenticSandboxCredentials } from './fixtures';
import { createPaygenticSimulator } from './simulator';
import { verifyPaygenticWebhook } from './webhook-signature';

const defaultBaseUrl = 'https://api.paygentic.io';
const demoCustomerId = 'cus_demoAcme';

/** Paygentic as one module: config, adapter, webhook, sandbox and defaults. */
export const paygenticModule: VendorModule<'paygentic', PaygenticConnection, PaygenticWebhookSecrets> = {
  id: 'paygentic',
  displayName: 'Paygentic',
  config: {
    envPrefix: 'PAYGENTIC',
    env: {
      PAYGENTIC_API_KEY: optionalString,
      PAYGENTIC_BASE_URL: httpUrl,
      PAYGENTIC_WEBHOOK_SECRET: optionalString,
    },
    credentialVariables: ['PAYGENTIC_API_KEY'],
    connectionFromEnv(env, problems) {
      if (!requireAll(env, ['PAYGENTIC_API_KEY'], problems)) return undefined;
      return {
        apiKey: env.PAYGENTIC_API_KEY as string,
        baseUrl: (env.PAYGENTIC_BASE_URL as string | undefined) ?? defaultBaseUrl,
      };
    },
    webhookFromEnv(env) {
      if (env.PAYGENTIC_WEBHOOK_SECRET === undefined) return undefined;
      return { secret: env.PAYGENTIC_WEBHOOK_SECRET as string };
    },
    tenantConnection: z
      .object({ apiKey: z.string().min(1), baseUrl: tenantBaseUrl })
      .strict()
      .transform((tenant) => ({ ...tenant, baseUrl: baseUrlOr(tenant.baseUrl, defaultBaseUrl) })),
    tenantWebhook: z.object({ secret: z.string().min(1) }).strict(),
    connectionSecrets: (connection) => [connection.apiKey],
    webhookSecrets: (secrets) => [secrets.secret],
  },
  createAdapter: createPaygenticAdapter,
  webhook: {
    scheme: 'Paygentic: Svix signature with a 5-minute timestamp tolerance',
    verify: verifyPaygenticWebhook,
  },
  sandbox: {
    origin: 'https://paygentic.sandbox.invalid',
    createSimulator: () => createPaygenticSimulator().app,
    connection: (origin) => ({ ...paygenticSandboxCredentials, baseUrl: origin }),
    // `sso_enabled`: a feature the demo customer holds (Paygentic keys are the merchant's own spelling).
    demo: { customerId: demoCustomerId, featureKey: 'sso_enabled' },
    customerIds: paygenticDemoCustomers.map((entry) => entry.customerId),
    bannerLines: ({ baseUrl, auth }) => [
      `curl -s ${auth} '${baseUrl}/v1/customers/${demoCustomerId}/entitlements?vendor=paygentic&limit=5'`,
    ],
  },
  defaults: {
    // Paygentic publishes no rate limit: 600/min is a conservative guess; its 429s are still honoured.
    requestsPerMinute: 600,
    maxConcurrent: 8,
    // Metered balances move with every usage event and Paygentic sends no balance webhooks.
    freshForAtMostSeconds: 10,
  },
};

import { z } from 'zod';
import {
  baseUrlOr,
  type ConnectionSource,
  httpUrl,
  optionalString,
  requireAll,
  tenantBaseUrl,
  type VendorModule,
} from '../kit';
import { createPaygenticAdapter } from './adapter';
import { validatePaygenticCustomerId } from './client';
import type { PaygenticConnection, PaygenticWebhookSecrets } from './connection';
import { paygenticDemoCustomers, paygenticSandboxCredentials } from './fixtures';
import {
  createPaygenticSimulator,
  type PaygenticSimulator,
  type PaygenticSimulatorOptions,
} from './simulator';
import { verifyPaygenticWebhook } from './webhook-signature';

const defaultBaseUrl = 'https://api.paygentic.io';
const sandboxBaseUrl = 'https://api.sandbox.paygentic.io';

/**
 * Paygentic keys are bound to one environment: `sk_live_…` works only on the live host and
 * `sk_test_…` only on the sandbox host. A key of neither shape, or one aimed at the other host,
 * fails every call with 401: say so at start, naming the variables and the fix (never the key).
 * Other hosts (a proxy, a simulator) are not judged.
 */
function keyWarnings(connection: PaygenticConnection, source: ConnectionSource): string[] {
  const keyName = source.kind === 'env' ? 'PAYGENTIC_API_KEY' : `${source.path}.apiKey`;
  const urlName = source.kind === 'env' ? 'PAYGENTIC_BASE_URL' : `${source.path}.baseUrl`;
  const host = connection.baseUrl.replace(/\/+$/, '');
  if (!/^sk_(live|test)_/.test(connection.apiKey))
    return [
      `${keyName}: not a Paygentic secret key; expected sk_live_… (live, ${defaultBaseUrl}) or sk_test_… (sandbox, ${sandboxBaseUrl})`,
    ];
  if (connection.apiKey.startsWith('sk_live_') && host === sandboxBaseUrl)
    return [
      `${keyName}: an sk_live_ key only works on the live host; set ${urlName} to ${defaultBaseUrl} (or use an sk_test_ key for the sandbox)`,
    ];
  if (connection.apiKey.startsWith('sk_test_') && host === defaultBaseUrl)
    return [
      `${keyName}: an sk_test_ key only works on the sandbox host; set ${urlName} to ${sandboxBaseUrl} (or use an sk_live_ key for live)`,
    ];
  return [];
}
const demoCustomerId = 'cus_demoAcme';

/** Paygentic as one module: config, adapter, webhook, sandbox and defaults. */
export const paygenticModule: VendorModule<
  'paygentic',
  PaygenticConnection,
  PaygenticWebhookSecrets,
  PaygenticSimulator,
  PaygenticSimulatorOptions
> = {
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
    connectionWarnings: keyWarnings,
    connectionSecrets: (connection) => [connection.apiKey],
    webhookSecrets: (secrets) => [secrets.secret],
  },
  validateCustomerId: validatePaygenticCustomerId,
  createAdapter: createPaygenticAdapter,
  webhook: {
    scheme: 'Paygentic: Svix signature with a 5-minute timestamp tolerance',
    verify: verifyPaygenticWebhook,
  },
  sandbox: {
    origin: 'https://paygentic.sandbox.invalid',
    createSimulator: createPaygenticSimulator,
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

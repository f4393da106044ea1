import { z } from 'zod';
import { booleanFlag, httpUrl, optionalString, requireAll, tenantBaseUrl, type VendorModule } from '../kit';
import { createChargebeeAdapter, validateChargebeeCustomerId } from './adapter';
import type { ChargebeeConnection, ChargebeeWebhookSecrets } from './connection';
import {
  chargebeeDemoCustomers,
  chargebeeDemoLargeCustomerId,
  chargebeeSandboxCredentials,
} from './fixtures';
import {
  type ChargebeeSimulator,
  type ChargebeeSimulatorOptions,
  createChargebeeSimulator,
} from './simulator';
import { verifyChargebeeWebhook } from './webhook-signature';

const siteName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/i, 'must be a Chargebee site name like "acme" or "acme-test"');
const entitlementSource = z
  .enum(['auto', 'customer_entitlements', 'subscription_entitlements'])
  .default('auto');

/** A site's API lives at `https://<site>.chargebee.com/api/v2`. */
function defaultBaseUrl(site: string): string {
  return `https://${site}.chargebee.com/api/v2`;
}

/**
 * Chargebee's API lives under `/api/v2` on its host (its server URL in the docs includes the path).
 * A base URL given as a bare host gets it appended; one with a path is used as given (a proxy).
 */
function chargebeeApiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return new URL(trimmed).pathname === '/' ? `${trimmed}/api/v2` : trimmed;
}

const demoCustomerId = 'c1';
const demoFeatureKey = 'user-licenses';

/** Chargebee as one module: config, adapter, webhook, sandbox and defaults. */
export const chargebeeModule: VendorModule<
  'chargebee',
  ChargebeeConnection,
  ChargebeeWebhookSecrets,
  ChargebeeSimulator,
  ChargebeeSimulatorOptions
> = {
  id: 'chargebee',
  displayName: 'Chargebee',
  config: {
    envPrefix: 'CHARGEBEE',
    env: {
      CHARGEBEE_SITE: optionalString.pipe(siteName.optional()),
      CHARGEBEE_API_KEY: optionalString,
      CHARGEBEE_BASE_URL: httpUrl,
      CHARGEBEE_ENTITLEMENT_SOURCE: entitlementSource,
      CHARGEBEE_CONSOLIDATE_ENTITLEMENTS: booleanFlag,
      CHARGEBEE_WEBHOOK_USERNAME: optionalString,
      CHARGEBEE_WEBHOOK_PASSWORD: optionalString,
    },
    credentialVariables: ['CHARGEBEE_API_KEY'],
    connectionFromEnv(env, problems) {
      const configuredBaseUrl = env.CHARGEBEE_BASE_URL as string | undefined;
      // The site only builds the default base URL: with CHARGEBEE_BASE_URL set, the key is enough.
      const needs =
        configuredBaseUrl === undefined ? ['CHARGEBEE_SITE', 'CHARGEBEE_API_KEY'] : ['CHARGEBEE_API_KEY'];
      if (
        env.CHARGEBEE_API_KEY !== undefined &&
        env.CHARGEBEE_SITE === undefined &&
        configuredBaseUrl === undefined
      ) {
        // A key alone says nothing about which site: name the two ways to say it.
        problems.push(
          'CHARGEBEE_SITE: is required when CHARGEBEE_API_KEY is set (the site name, "acme" for acme.chargebee.com), or set CHARGEBEE_BASE_URL to the API host instead',
        );
        return undefined;
      }
      if (!requireAll(env, needs, problems)) return undefined;
      const site =
        (env.CHARGEBEE_SITE as string | undefined) ?? new URL(configuredBaseUrl as string).hostname;
      return {
        site,
        apiKey: env.CHARGEBEE_API_KEY as string,
        baseUrl: configuredBaseUrl === undefined ? defaultBaseUrl(site) : chargebeeApiBase(configuredBaseUrl),
        entitlementSource: env.CHARGEBEE_ENTITLEMENT_SOURCE as ChargebeeConnection['entitlementSource'],
        consolidateEntitlements: (env.CHARGEBEE_CONSOLIDATE_ENTITLEMENTS as boolean | undefined) ?? false,
      };
    },
    webhookFromEnv(env, problems) {
      const username = env.CHARGEBEE_WEBHOOK_USERNAME as string | undefined;
      const password = env.CHARGEBEE_WEBHOOK_PASSWORD as string | undefined;
      if (username === undefined && password === undefined) return undefined;
      if (username === undefined || password === undefined) {
        problems.push('CHARGEBEE_WEBHOOK_USERNAME, CHARGEBEE_WEBHOOK_PASSWORD: set both or neither');
        return undefined;
      }
      return { username, password };
    },
    tenantConnection: z
      .object({
        site: z.string().regex(/^[a-z0-9][a-z0-9-]*$/i),
        apiKey: z.string().min(1),
        baseUrl: tenantBaseUrl,
        entitlementSource,
        consolidateEntitlements: z.boolean().default(false),
      })
      .strict()
      .transform((tenant) => ({
        ...tenant,
        baseUrl:
          tenant.baseUrl === undefined ? defaultBaseUrl(tenant.site) : chargebeeApiBase(tenant.baseUrl),
      })),
    tenantWebhook: z.object({ username: z.string().min(1), password: z.string().min(1) }).strict(),
    connectionSecrets: (connection) => [connection.apiKey],
    webhookSecrets: (secrets) => [secrets.password],
  },
  validateCustomerId: validateChargebeeCustomerId,
  createAdapter: createChargebeeAdapter,
  webhook: { scheme: 'Chargebee: HTTP Basic credentials', verify: verifyChargebeeWebhook },
  sandbox: {
    origin: 'https://chargebee.sandbox.invalid',
    createSimulator: createChargebeeSimulator,
    connection: (origin) => ({
      ...chargebeeSandboxCredentials,
      baseUrl: `${origin}/api/v2`,
      entitlementSource: 'auto',
      consolidateEntitlements: false,
    }),
    demo: { customerId: demoCustomerId, featureKey: demoFeatureKey },
    customerIds: [...chargebeeDemoCustomers.map((entry) => entry.customer.id), chargebeeDemoLargeCustomerId],
    bannerLines: ({ baseUrl, auth }) => [
      `curl -s ${auth} '${baseUrl}/v1/customers/${demoCustomerId}/entitlements?vendor=chargebee'`,
      `curl -s ${auth} '${baseUrl}/v1/customers/${demoCustomerId}/entitlements/${demoFeatureKey}?vendor=chargebee&requestedUsage=5'`,
    ],
  },
  // 150 calls/min per site on test sites (the lowest documented tier; Starter live sites have the same).
  defaults: { requestsPerMinute: 150, maxConcurrent: 8 },
};

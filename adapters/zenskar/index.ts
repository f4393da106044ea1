import { z } from 'zod';
import { baseUrlOr, httpUrl, optionalString, requireAll, tenantBaseUrl, type VendorModule } from '../kit';
import { createZenskarAdapter, validateZenskarCustomerId } from './adapter';
import type { ZenskarConnection, ZenskarWebhookSecrets } from './connection';
import {
  zenskarDemoCustomerIds,
  zenskarDemoCustomers,
  zenskarDemoDefinitionIds,
  zenskarSandboxCredentials,
} from './fixtures';
import { createZenskarSimulator, type ZenskarSimulator, type ZenskarSimulatorOptions } from './simulator';
import { defaultZenskarSignatureHeader, verifyZenskarWebhook } from './webhook-signature';

const defaultBaseUrl = 'https://api.zenskar.com';

/** Zenskar as one module: config, adapter, webhook, sandbox and defaults. */
export const zenskarModule: VendorModule<
  'zenskar',
  ZenskarConnection,
  ZenskarWebhookSecrets,
  ZenskarSimulator,
  ZenskarSimulatorOptions
> = {
  id: 'zenskar',
  displayName: 'Zenskar',
  config: {
    envPrefix: 'ZENSKAR',
    env: {
      ZENSKAR_API_KEY: optionalString,
      ZENSKAR_ORGANISATION: optionalString,
      ZENSKAR_BASE_URL: httpUrl,
      ZENSKAR_WEBHOOK_SECRET: optionalString,
      ZENSKAR_WEBHOOK_SIGNATURE_HEADER: optionalString,
    },
    credentialVariables: ['ZENSKAR_API_KEY'],
    connectionFromEnv(env, problems) {
      if (!requireAll(env, ['ZENSKAR_API_KEY', 'ZENSKAR_ORGANISATION'], problems)) return undefined;
      return {
        apiKey: env.ZENSKAR_API_KEY as string,
        organisation: env.ZENSKAR_ORGANISATION as string,
        baseUrl: (env.ZENSKAR_BASE_URL as string | undefined) ?? defaultBaseUrl,
      };
    },
    webhookFromEnv(env) {
      if (env.ZENSKAR_WEBHOOK_SECRET === undefined) return undefined;
      return {
        secret: env.ZENSKAR_WEBHOOK_SECRET as string,
        header: (env.ZENSKAR_WEBHOOK_SIGNATURE_HEADER as string | undefined) ?? defaultZenskarSignatureHeader,
      };
    },
    tenantConnection: z
      .object({ apiKey: z.string().min(1), organisation: z.string().min(1), baseUrl: tenantBaseUrl })
      .strict()
      .transform((tenant) => ({ ...tenant, baseUrl: baseUrlOr(tenant.baseUrl, defaultBaseUrl) })),
    tenantWebhook: z
      .object({ secret: z.string().min(1), header: z.string().min(1).default(defaultZenskarSignatureHeader) })
      .strict(),
    connectionSecrets: (connection) => [connection.apiKey],
    webhookSecrets: (secrets) => [secrets.secret],
  },
  validateCustomerId: validateZenskarCustomerId,
  createAdapter: createZenskarAdapter,
  webhook: {
    scheme: 'Zenskar: HMAC-SHA256 of the body with the shared secret',
    verify: verifyZenskarWebhook,
  },
  sandbox: {
    origin: 'https://zenskar.sandbox.invalid',
    createSimulator: createZenskarSimulator,
    connection: (origin) => ({ ...zenskarSandboxCredentials, baseUrl: origin }),
    demo: { customerId: zenskarDemoCustomerIds.acme, featureKey: zenskarDemoDefinitionIds.sso },
    customerIds: zenskarDemoCustomers.map((entry) => entry.id),
    bannerLines: ({ baseUrl, auth }) => [
      `curl -s ${auth} '${baseUrl}/v1/customers/${zenskarDemoCustomerIds.acme}/entitlements?vendor=zenskar'`,
    ],
  },
  // Zenskar publishes no rate limit: 600/min is a conservative guess; its 429s are still honoured.
  defaults: { requestsPerMinute: 600, maxConcurrent: 8 },
};

import { chargebeeSandboxCredentials } from '../../../adapters/chargebee/fixtures';
import { paygenticSandboxCredentials } from '../../../adapters/paygentic/fixtures';
import { adapterFactories } from '../../../adapters/registry';
import { zenskarDemoCustomerIds, zenskarSandboxCredentials } from '../../../adapters/zenskar/fixtures';
import { sha256Hex } from '../../../src/config';
import { createUndiciTransport } from '../../../src/http/undici-transport';
import { createTestGateway, OTHER_TENANT_KEY, TEST_KEY, type TestClock } from '../../support/gateway';
import { REDIS_URL, type Simulators, WEBHOOK_CREDENTIALS } from '../../support/route-cache-fixture';

/**
 * A gateway over the three vendor simulators whose tenant has a feature catalogue and static
 * customer links (`GATEWAY_CONFIG` `features` and `customers`), plus a second tenant (`OTHER_TENANT_KEY`)
 * connected to the same vendors with no links, for isolation tests.
 */

/** The demo accounts each app customer is linked to. */
export const demoAccounts = {
  chargebee: 'cust_acme',
  paygentic: 'cus_demoAcme',
  zenskar: zenskarDemoCustomerIds.acme,
} as const;

/** `seats` over all three vendors; Chargebee `user-licenses` and Paygentic `max_users` are demo features. */
export const demoCatalog = {
  seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' }, merge: 'sum' },
};

/** App customers: `acme-2` linked to two vendors, `acme-3` to three. */
export const demoLinks = {
  'acme-2': { chargebee: demoAccounts.chargebee, paygentic: demoAccounts.paygentic },
  'acme-3': demoAccounts,
};

export interface MultiVendorGatewayOptions {
  tenantId: string;
  clock: TestClock;
  /** Default: the local test Redis; null for memory only. */
  redisUrl?: string | null;
  features?: unknown;
  customers?: unknown;
  /** The tenant's `fallback` (`{default?, features?}`); absent = deny for every feature. */
  fallback?: unknown;
  env?: Record<string, string>;
}

export async function startMultiVendorGateway(simulators: Simulators, options: MultiVendorGatewayOptions) {
  const transport = createUndiciTransport();
  const redisUrl = options.redisUrl === undefined ? REDIS_URL : options.redisUrl;
  const vendors = {
    zenskar: { ...zenskarSandboxCredentials, baseUrl: simulators.urls.zenskar },
    paygentic: { apiKey: paygenticSandboxCredentials.apiKey, baseUrl: simulators.urls.paygentic },
    chargebee: {
      site: chargebeeSandboxCredentials.site,
      apiKey: chargebeeSandboxCredentials.apiKey,
      baseUrl: simulators.urls.chargebee,
    },
  };
  const gatewayConfig = {
    tenants: [
      {
        id: options.tenantId,
        apiKeyHashes: [await sha256Hex(TEST_KEY)],
        vendors,
        webhooks: WEBHOOK_CREDENTIALS,
        features: options.features ?? demoCatalog,
        customers: options.customers ?? demoLinks,
        ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
      },
      {
        id: `${options.tenantId}-other`.slice(0, 64),
        apiKeyHashes: [await sha256Hex(OTHER_TENANT_KEY)],
        vendors,
      },
    ],
  };
  const gateway = await createTestGateway({
    env: {
      GATEWAY_CONFIG: JSON.stringify(gatewayConfig),
      ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }),
      CHARGEBEE_REQUESTS_PER_MINUTE: '100000',
      ZENSKAR_REQUESTS_PER_MINUTE: '100000',
      PAYGENTIC_REQUESTS_PER_MINUTE: '100000',
      VENDOR_MAX_CONCURRENCY: '64',
      // A failing vendor answers at once (one attempt) instead of after the retry schedule.
      UPSTREAM_MAX_ATTEMPTS: '1',
      ...options.env,
    },
    adapterFactories,
    transport,
    clock: options.clock,
  });
  if (redisUrl !== null && !(await gateway.platform.redisReady(10_000))) {
    await gateway.close();
    await transport.close();
    throw new Error(`the test Redis at ${redisUrl} is not reachable`);
  }
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    key = TEST_KEY,
    headers: Record<string, string> = {},
  ) => {
    const response = await gateway.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a 204): kept as text.
    }
    return { response, status: response.status, body: parsed as Record<string, unknown> };
  };
  let closing: Promise<void> | undefined;
  return {
    ...gateway,
    get: (path: string, key = TEST_KEY, headers: Record<string, string> = {}) =>
      call('GET', path, undefined, key, headers),
    put: (path: string, body: unknown, key = TEST_KEY) => call('PUT', path, body, key),
    delete: (path: string, key = TEST_KEY) => call('DELETE', path, undefined, key),
    post: (
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
      key: string | null = TEST_KEY,
    ) =>
      key === null
        ? Promise.resolve(
            gateway.app.request(path, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body: typeof body === 'string' ? body : JSON.stringify(body),
            }),
          ).then(async (response) => ({
            status: response.status,
            body: (await response.json()) as Record<string, unknown>,
          }))
        : call('POST', path, body, key, headers),
    /** Stops the instance (a gateway shutting down); safe to call twice. */
    close() {
      closing ??= (async () => {
        await gateway.background.drain();
        await gateway.close();
        await transport.close();
      })();
      return closing;
    },
  };
}

export type MultiVendorGateway = Awaited<ReturnType<typeof startMultiVendorGateway>>;

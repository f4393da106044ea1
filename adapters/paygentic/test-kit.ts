import { createHmac } from 'node:crypto';
import type { EntitlementType } from '../../schemas/entitlement';
import type { ExpectedFeature, VendorTestKit } from '../vendor-test-kit';
import { paygenticSandboxCredentials } from './fixtures';
import { paygenticModule } from './index';

/** The raw Svix HMAC: SHA-256 keyed with the decoded `whsec_` secret over `id.timestamp.body`. */
export function svixDigest(id: string, timestamp: string, body: string, secret: string): Buffer {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
}

/** A Svix `svix-signature` value: `v1,` and the base64 digest. */
export function svixSignature(id: string, timestamp: string, body: string, secret: string): string {
  return `v1,${svixDigest(id, timestamp, body, secret).toString('base64')}`;
}

/** A Svix signing secret (`whsec_` and the base64 of the key bytes) made from a label. */
export function svixSecret(label: string): string {
  return `whsec_${Buffer.from(`svix-signing-key-${label}`).toString('base64')}`;
}

/** Paygentic in the shared test suites (see adapters/vendor-test-kit.ts). */
export const testKit: VendorTestKit<typeof paygenticModule> = {
  id: 'paygentic',
  connection: (origin, options) => ({
    ...paygenticModule.sandbox.connection(origin),
    apiKey: options?.apiKey ?? paygenticSandboxCredentials.apiKey,
  }),
  // A test-mode key of the account's own (letters and digits, as Paygentic issues them).
  account: (label) => ({ apiKey: `sk_test_${label.replace(/[^A-Za-z0-9]/g, '')}PaygenticKey` }),
  env: (connection) => ({ PAYGENTIC_API_KEY: connection.apiKey, PAYGENTIC_BASE_URL: connection.baseUrl }),
  webhookEnv: (webhook) => ({ PAYGENTIC_WEBHOOK_SECRET: webhook.secret }),
  authorization: (connection) => ({ header: 'authorization', value: `Bearer ${connection.apiKey}` }),
  secrets: (connection, webhook) => [
    { name: 'Paygentic API key', value: connection.apiKey },
    ...(webhook === undefined ? [] : [{ name: 'Paygentic webhook secret', value: webhook.secret }]),
  ],
  data: {
    customerId: 'cus_demoAcme',
    otherCustomerId: 'cus_demoLapsed',
    unknownCustomerIds: ['cus_unknown1', 'cus_unknown2'],
    // Paygentic's API declares no 404 for the list: an unknown customer holds nothing.
    unknownCustomer: 'empty',
  },
  // Paygentic's features have no name of their own: the key is what callers see.
  markFeatures(simulator, marker) {
    for (const entitlements of simulator.store.customers.values())
      for (const entitlement of entitlements) entitlement.featureKey = `${marker}-${entitlement.featureKey}`;
  },
  forgetCustomer(simulator, customerId) {
    simulator.store.customers.delete(customerId);
  },
  faults: {
    rowsPath: /^\/v1\/entitlements$/,
    errorBody: (status, message) =>
      JSON.stringify({ message, error: status === 429 ? 'rate_limited' : 'internal_error' }),
  },
  webhook: {
    secrets: (label) => ({ secret: svixSecret(label) }),
    // Paygentic delivers through Svix: svix-id, svix-timestamp (seconds) and svix-signature.
    sign: (body, secrets, { nowSeconds, id }) => ({
      'svix-id': id,
      'svix-timestamp': String(nowSeconds),
      'svix-signature': svixSignature(id, String(nowSeconds), body, secrets.secret),
    }),
    customerChanged: (customerId, eventId, nowSeconds) =>
      JSON.stringify({
        eventType: 'subscription.updated.v0',
        eventId,
        timestamp: new Date(nowSeconds * 1000).toISOString(),
        data: { customerId },
      }),
  },
};

/** A Paygentic list row as the vendor serves it (the fields the oracle reads). */
export interface PaygenticVendorRow {
  entitlementId: string;
  featureKey: string;
  featureType: string;
  hasAccess: boolean;
  config: Record<string, unknown> | null;
  balance?: number | null;
  [field: string]: unknown;
}

/** Every row Paygentic lists for a customer (at `at`), read straight from the vendor, not through the gateway. */
export async function paygenticVendorRows(
  baseUrl: string,
  apiKey: string,
  customerId: string,
  at?: string,
): Promise<PaygenticVendorRow[]> {
  const rows: PaygenticVendorRow[] = [];
  for (let offset = 0; ; offset += 100) {
    const query = new URLSearchParams({ customerId, limit: '100', offset: String(offset) });
    if (at !== undefined) query.set('at', at);
    const url = `${baseUrl}/v1/entitlements?${query}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
    if (response.status !== 200) throw new Error(`oracle: Paygentic answered ${response.status}`);
    const body = (await response.json()) as { data: PaygenticVendorRow[]; pagination: { total: number } };
    rows.push(...body.data);
    if (offset + body.data.length >= body.pagination.total || body.data.length === 0) return rows;
  }
}

/**
 * Paygentic, from the vendor's own answer: its `hasAccess` is authoritative (any row of the
 * feature); `boolean` → boolean, `metered` → metered, `static` → numeric with a numeric
 * `config.limit`, else config.
 */
export function paygenticExpected(rows: readonly PaygenticVendorRow[]): Map<string, ExpectedFeature> {
  const expected = new Map<string, ExpectedFeature>();
  for (const row of rows) {
    const type: EntitlementType =
      row.featureType === 'metered'
        ? 'metered'
        : row.featureType === 'static'
          ? typeof row.config?.['limit'] === 'number'
            ? 'numeric'
            : 'config'
          : 'boolean';
    const previous = expected.get(row.featureKey);
    expected.set(row.featureKey, {
      type: previous?.type ?? type,
      hasAccess: (previous?.hasAccess ?? false) || row.hasAccess,
    });
  }
  return expected;
}

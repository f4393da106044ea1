import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byFeature,
  type FakeVendor,
  gatewayCall,
  startFakeVendor,
  startProbeGateway,
} from '../../../support/doc-fake-stack';

/**
 * Chargebee as its API reference documents it, and nothing more: `GET /api/v2/customers/{id}/customer_entitlements`
 * with feature-grouped `limit`, an opaque `next_offset` that is absent on the last page, Basic auth
 * with the key as user, and the documented error body. The data is the reference's own example (customer
 * c1, subscriptions s1 and s2, three features).
 */

const API_KEY = 'test_cb_key_probe';
const SEED_ROWS = [
  // Seed order of the response pages: user-licenses and xero-integration first, then support-level.
  { customer_id: 'c1', subscription_id: 's1', feature_id: 'user-licenses', value: '3', name: '3 licences' },
  {
    customer_id: 'c1',
    subscription_id: 's2',
    feature_id: 'xero-integration',
    value: 'true',
    name: 'Available',
  },
  { customer_id: 'c1', subscription_id: 's2', feature_id: 'user-licenses', value: '10', name: '10 licences' },
  { customer_id: 'c1', subscription_id: 's1', feature_id: 'support-level', value: 'Email', name: 'Email' },
  { customer_id: 'c1', subscription_id: 's2', feature_id: 'support-level', value: 'Chat', name: 'Chat' },
].map((row) => ({ ...row, is_enabled: true, object: 'customer_entitlement' }));

const SEED_FEATURES = [
  {
    id: 'user-licenses',
    name: 'User Licenses',
    status: 'active',
    type: 'quantity',
    unit: 'licence',
    levels: [
      { name: '3 licences', value: '3', is_unlimited: false, level: 1 },
      { name: '10 licences', value: '10', is_unlimited: false, level: 2 },
      { name: '25 licences', value: '25', is_unlimited: false, level: 3 },
      { name: 'Unlimited licence', value: 'Unlimited', is_unlimited: true, level: 4 },
    ],
    object: 'feature',
  },
  {
    id: 'support-level',
    name: 'Support Level',
    status: 'active',
    type: 'custom',
    levels: [
      { name: 'Email', value: 'Email', is_unlimited: false, level: 1 },
      { name: 'Chat', value: 'Chat', is_unlimited: false, level: 2 },
      { name: 'Calls', value: 'Calls', is_unlimited: false, level: 3 },
    ],
    object: 'feature',
  },
  { id: 'xero-integration', name: 'Xero Integration', status: 'active', type: 'switch', object: 'feature' },
];

const notFound = (message: string) => ({
  message,
  type: 'invalid_request',
  api_error_code: 'resource_not_found',
  http_status_code: 404,
});

/** The documented endpoint: pages hold every row of up to `limit` features; `next_offset` absent on the last. */
function customerEntitlementsRoute(app: Hono, prefix: string, withFeatures: boolean): void {
  app.use(`${prefix}/*`, async (c, next) => {
    if (c.req.header('authorization') !== `Basic ${btoa(`${API_KEY}:`)}`) {
      return c.json(
        {
          message: 'Sorry, authentication failed. Invalid api key',
          api_error_code: 'api_authentication_failed',
          type: 'invalid_request',
        },
        401,
      );
    }
    await next();
  });
  app.get(`${prefix}/customers/:id/customer_entitlements`, (c) => {
    if (c.req.param('id') !== 'c1')
      return c.json(notFound('Sorry, we couldn\u2019t find that resource'), 404);
    const limit = Number(c.req.query('limit') ?? '10');
    const start = Number(c.req.query('offset') ?? '0');
    const featureOrder = [...new Set(SEED_ROWS.map((row) => row.feature_id))];
    const pageFeatures = new Set(featureOrder.slice(start, start + limit));
    const list = SEED_ROWS.filter((row) => pageFeatures.has(row.feature_id)).map((row) => ({
      customer_entitlement: row,
    }));
    const next = start + limit;
    return c.json(next < featureOrder.length ? { list, next_offset: String(next) } : { list });
  });
  if (withFeatures) {
    app.get(`${prefix}/features`, (c) => c.json({ list: SEED_FEATURES.map((feature) => ({ feature })) }));
  }
}

function expectSeedAnswer(body: Record<string, unknown>): void {
  const features = byFeature(body);
  expect([...features.keys()]).toEqual(['support-level', 'user-licenses', 'xero-integration']);
  // Chargebee sums quantities across subscriptions (Chargebee documents a feature's value as the sum of the item values).
  expect(features.get('user-licenses')).toMatchObject({ type: 'numeric', hasAccess: true, limit: 13 });
  expect(features.get('xero-integration')).toMatchObject({ type: 'boolean', hasAccess: true });
  expect(features.get('support-level')).toMatchObject({ hasAccess: true });
}

describe('review probe: Chargebee host that serves only the documented customer_entitlements endpoint', () => {
  let vendor: FakeVendor;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;

  beforeAll(async () => {
    vendor = await startFakeVendor((app) => customerEntitlementsRoute(app, '/api/v2', false));
    gateway = await startProbeGateway({
      CHARGEBEE_API_KEY: API_KEY,
      CHARGEBEE_BASE_URL: `${vendor.url}/api/v2`,
      CHARGEBEE_ENTITLEMENT_SOURCE: 'customer_entitlements',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  // Regression: a Chargebee-compatible host built from the `customer_entitlements` reference alone answers 404 for `GET /features`;
  // the read must still succeed, catalogue-less (types inferred from the values).
  it('answers the seed example although /features is not served', async () => {
    const result = await gatewayCall(gateway.app, '/v1/customers/c1/entitlements');
    expect(result.status).toBe(200);
    expectSeedAnswer(result.body);
  });

  it('asks with Basic auth (the key as user, empty password), a limit within 1-100 and no offset on page 1', async () => {
    await gatewayCall(gateway.app, '/v1/customers/c1/entitlements/user-licenses');
    const calls = vendor.received.filter((request) => request.path.endsWith('/customer_entitlements'));
    expect(calls.length).toBeGreaterThan(0);
    const first = calls[0];
    expect(first?.headers['authorization']).toBe(`Basic ${btoa(`${API_KEY}:`)}`);
    expect(first?.query.find(([name]) => name === 'offset')).toBeUndefined();
    expect(Number(first?.query.find(([name]) => name === 'limit')?.[1])).toBeLessThanOrEqual(100);
  });
});

describe('review probe: Chargebee documented host with the catalogue', () => {
  let vendor: FakeVendor;

  beforeAll(async () => {
    vendor = await startFakeVendor((app) => customerEntitlementsRoute(app, '/api/v2', true));
  });
  afterAll(async () => {
    await vendor?.close();
  });

  it('answers the seed example, unknown customer 404, bad key 502 vendor_auth_failed', async () => {
    const gateway = await startProbeGateway({
      CHARGEBEE_API_KEY: API_KEY,
      CHARGEBEE_BASE_URL: `${vendor.url}/api/v2`,
      CHARGEBEE_ENTITLEMENT_SOURCE: 'customer_entitlements',
    });
    try {
      const list = await gatewayCall(gateway.app, '/v1/customers/c1/entitlements');
      expect(list.status).toBe(200);
      expectSeedAnswer(list.body);
      expect(list.body['totalCount']).toBe(3);
      // The seed's custom levels: Chat (level 2) outranks Email (level 1).
      expect(byFeature(list.body).get('support-level')).toMatchObject({ type: 'enum', value: 'Chat' });

      const unknown = await gatewayCall(gateway.app, '/v1/customers/c404/entitlements');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'customer_not_found', vendor: 'chargebee' });
      expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      await gateway.close();
    }
    const wrongKey = await startProbeGateway({
      CHARGEBEE_API_KEY: 'not-the-key',
      CHARGEBEE_BASE_URL: `${vendor.url}/api/v2`,
      CHARGEBEE_ENTITLEMENT_SOURCE: 'customer_entitlements',
    });
    try {
      const denied = await gatewayCall(wrongKey.app, '/v1/customers/c1/entitlements');
      expect(denied.status).toBe(502);
      expect(denied.body).toMatchObject({ code: 'vendor_auth_failed', vendor: 'chargebee' });
      expect(JSON.stringify(denied.body)).not.toContain('not-the-key');
    } finally {
      await wrongKey.close();
    }
  });

  // Regression: `CHARGEBEE_BASE_URL` given as the bare host gets Chargebee's `/api/v2` (the documented
  // server URL includes it).
  it('works when CHARGEBEE_BASE_URL is the host (as "any compatible host" suggests)', async () => {
    const gateway = await startProbeGateway({
      CHARGEBEE_API_KEY: API_KEY,
      CHARGEBEE_BASE_URL: vendor.url,
      CHARGEBEE_ENTITLEMENT_SOURCE: 'customer_entitlements',
    });
    try {
      const list = await gatewayCall(gateway.app, '/v1/customers/c1/entitlements');
      expect(list.status).toBe(200);
      expectSeedAnswer(list.body);
    } finally {
      await gateway.close();
    }
  });
});

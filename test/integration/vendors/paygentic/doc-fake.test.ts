import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byFeature,
  type FakeVendor,
  gatewayCall,
  startFakeVendor,
  startProbeGateway,
} from '../../../support/doc-fake-stack';

/**
 * Paygentic as its API reference documents it: `GET /v1/entitlements` (`customerId`
 * required and `^cus_[a-zA-Z0-9]+$`, `limit` 1–100 else a 400 ValidationError, `offset`, `at`),
 * `{object:"list", data, pagination:{limit, offset, total}}`, `GET /v1/entitlements/{id}` with
 * `isSoftLimit` on metered, Bearer auth. The customer has the reference's two example rows plus 148 boolean
 * rows and one metered row, served in an order that is not sorted by feature key.
 */

const API_KEY = 'sk_test_probe';
const CUSTOMER = 'cus_probe1';
const EMPTY_CUSTOMER = 'cus_probeEmpty';

function rows() {
  const list: Array<Record<string, unknown>> = [
    // Seed 003's example, verbatim.
    {
      hasAccess: true,
      featureKey: 'max_users',
      featureType: 'static',
      config: { limit: 25 },
      entitlementId: 'ent_a7b8c9d0e1f2g3h4',
      productId: 'prod_m5n6o7p8q9r0s1t2',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: '2099-01-01T00:00:00Z',
      status: 'active',
    },
    {
      hasAccess: true,
      featureKey: 'sso_enabled',
      featureType: 'boolean',
      config: null,
      entitlementId: 'ent_b8c9d0e1f2g3h4i5',
      productId: 'prod_m5n6o7p8q9r0s1t2',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: null,
      status: 'active',
    },
    {
      hasAccess: true,
      featureKey: 'api-calls',
      featureType: 'metered',
      config: null,
      entitlementId: 'ent_metered1',
      productId: 'prod_m5n6o7p8q9r0s1t2',
      activeFrom: '2024-01-01T00:00:00+05:30',
      activeTo: null,
      status: 'active',
      balance: 40,
      usageInPeriod: 60,
      overage: 0,
      currentPeriodStart: '2026-01-01T00:00:00Z',
      currentPeriodEnd: '2099-02-01T00:00:00Z',
    },
  ];
  // Descending keys, so the vendor's order is the reverse of the gateway's.
  for (let index = 148; index >= 1; index -= 1) {
    list.push({
      hasAccess: index % 3 !== 0,
      featureKey: `flag-${String(index).padStart(3, '0')}`,
      featureType: 'boolean',
      config: null,
      entitlementId: `ent_flag${index}`,
      productId: 'prod_m5n6o7p8q9r0s1t2',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: null,
      status: index % 3 === 0 ? 'canceled' : 'active',
    });
  }
  return list;
}

async function startPaygenticFake(unknownCustomer: 'empty' | 'not_found'): Promise<FakeVendor> {
  const data = rows();
  return startFakeVendor((app) => {
    app.use('*', async (c, next) => {
      if (c.req.header('authorization') !== `Bearer ${API_KEY}`) {
        return c.json({ message: 'Invalid API key', error: 'unauthorized' }, 401);
      }
      await next();
    });
    app.get('/v1/entitlements', (c) => {
      const customerId = c.req.query('customerId') ?? '';
      const limit = Number(c.req.query('limit') ?? '10');
      const offset = Number(c.req.query('offset') ?? '0');
      const errors = [];
      if (!/^cus_[a-zA-Z0-9]+$/.test(customerId))
        errors.push({ field: 'customerId', message: 'invalid', code: 'pattern' });
      if (!(limit >= 1 && limit <= 100))
        errors.push({ field: 'limit', message: 'out of range', code: 'range' });
      if (!(offset >= 0)) errors.push({ field: 'offset', message: 'out of range', code: 'range' });
      if (errors.length > 0)
        return c.json({ error: 'validation_error', message: 'Invalid request', errors }, 400);
      let source: Array<Record<string, unknown>>;
      if (customerId === CUSTOMER) source = data;
      else if (customerId === EMPTY_CUSTOMER || unknownCustomer === 'empty') source = [];
      else return c.json({ message: 'Customer not found', error: 'not_found' }, 404);
      return c.json({
        object: 'list',
        data: source.slice(offset, offset + limit),
        pagination: { limit, offset, total: source.length },
      });
    });
    app.get('/v1/entitlements/:id', (c) => {
      const row = data.find((candidate) => candidate['entitlementId'] === c.req.param('id'));
      if (!row) return c.json({ message: 'Entitlement not found', error: 'not_found' }, 404);
      return c.json({
        object: 'entitlement',
        id: row['entitlementId'],
        customerId: CUSTOMER,
        featureId: 'feat_api',
        featureKey: row['featureKey'],
        featureType: row['featureType'],
        subscriptionId: null,
        status: row['status'],
        activeFrom: row['activeFrom'],
        activeTo: row['activeTo'],
        hasAccess: row['hasAccess'],
        metadata: {},
        balance: row['balance'],
        usageInPeriod: row['usageInPeriod'],
        overage: row['overage'],
        isSoftLimit: false,
      });
    });
  });
}

describe('review probe: Paygentic doc fake', () => {
  let vendor: FakeVendor;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;

  beforeAll(async () => {
    vendor = await startPaygenticFake('not_found');
    gateway = await startProbeGateway({ PAYGENTIC_API_KEY: API_KEY, PAYGENTIC_BASE_URL: vendor.url });
  });
  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  it('reads every offset page within 1–100 and maps the seed rows', async () => {
    const first = await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body['totalCount']).toBe(151);
    const pages = vendor.received.filter((request) => request.path === '/v1/entitlements');
    const offsets = pages.map((request) => Number(request.query.find(([name]) => name === 'offset')?.[1]));
    expect(offsets.sort((a, b) => a - b)).toEqual([0, 100]);
    for (const request of pages) {
      expect(request.headers['authorization']).toBe(`Bearer ${API_KEY}`);
      const limit = Number(request.query.find(([name]) => name === 'limit')?.[1]);
      expect(limit).toBeGreaterThanOrEqual(1);
      expect(limit).toBeLessThanOrEqual(100);
    }
    const all = await gatewayCall(
      gateway.app,
      `/v1/customers/${CUSTOMER}/entitlements?featureKey=max_users&featureKey=sso_enabled&featureKey=api-calls`,
    );
    const features = byFeature(all.body);
    expect(features.get('max_users')).toMatchObject({
      type: 'numeric',
      hasAccess: true,
      limit: 25,
      config: { limit: 25 },
    });
    expect(features.get('sso_enabled')).toMatchObject({ type: 'boolean', hasAccess: true, activeTo: null });
    expect(features.get('api-calls')).toMatchObject({
      type: 'metered',
      remaining: 40,
      usage: 60,
      limit: 100,
    });
    // Canceled rows are listed with hasAccess:false (Paygentic lists ended entitlements too: access is `hasAccess`, not presence).
    const denied = await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements/flag-003`);
    expect(denied.body).toMatchObject({ hasAccess: false, reason: 'disabled' });
  });

  it('passes `at` through with its offset, and checks a hard limit with the single GET', async () => {
    const at = '2026-03-01T10:30:00+05:30';
    const result = await gatewayCall(
      gateway.app,
      `/v1/customers/${CUSTOMER}/entitlements/api-calls?at=${encodeURIComponent(at)}&requestedUsage=41`,
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', softLimit: false });
    const withAt = vendor.received.filter((request) => request.query.some(([name]) => name === 'at'));
    expect(withAt.length).toBeGreaterThan(0);
    for (const request of withAt) expect(request.query.find(([name]) => name === 'at')?.[1]).toBe(at);
    expect(vendor.received.some((request) => request.path === '/v1/entitlements/ent_metered1')).toBe(true);
  });

  it('a 404 {message, error:"not_found"} is 404 customer_not_found; 401 is 502 vendor_auth_failed', async () => {
    const unknown = await gatewayCall(gateway.app, '/v1/customers/cus_nobody/entitlements');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'customer_not_found', vendor: 'paygentic' });
    const wrongKey = await startProbeGateway({
      PAYGENTIC_API_KEY: 'sk_test_wrong',
      PAYGENTIC_BASE_URL: vendor.url,
    });
    try {
      const denied = await gatewayCall(wrongKey.app, `/v1/customers/${CUSTOMER}/entitlements`);
      expect(denied.status).toBe(502);
      expect(denied.body).toMatchObject({ code: 'vendor_auth_failed', vendor: 'paygentic' });
      expect(JSON.stringify(denied.body)).not.toContain('sk_test_wrong');
    } finally {
      await wrongKey.close();
    }
  });

  it('an existing customer with no entitlements is an empty list', async () => {
    const result = await gatewayCall(gateway.app, `/v1/customers/${EMPTY_CUSTOMER}/entitlements`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ data: [], totalCount: 0, nextCursor: null });
  });
});

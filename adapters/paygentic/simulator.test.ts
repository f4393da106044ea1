import { describe, expect, it } from 'vitest';
import { generatePaygenticCustomer, paygenticDemoCustomers, paygenticSandboxCredentials } from './fixtures';
import { createPaygenticSimulator } from './simulator';

// The simulator must follow Paygentic's documentation (its published OpenAPI document, shipped in its Node SDK), not the adapter:
// these tests read it the way a client of the real API would.

const now = Date.parse('2026-06-01T12:00:00Z');
const auth = { authorization: `Bearer ${paygenticSandboxCredentials.apiKey}` };

interface ListBody {
  object: string;
  data: Array<Record<string, unknown>>;
  pagination: { limit: number; offset: number; total: number };
}

function setup() {
  return createPaygenticSimulator({ now: () => now });
}

async function list(query: string, headers: Record<string, string> = auth) {
  const simulator = setup();
  const response = await simulator.app.request(`/v1/entitlements?${query}`, { headers });
  return { response, body: (await response.json()) as ListBody, simulator };
}

function rowOf(body: ListBody, entitlementId: string): Record<string, unknown> {
  const found = body.data.find((item) => item.entitlementId === entitlementId);
  if (!found) throw new Error(`no row ${entitlementId}`);
  return found;
}

describe('paygentic simulator: authentication', () => {
  it('401 {message, error:"unauthorized"} for a missing, wrong or non-Bearer key', async () => {
    const simulator = setup();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer sk_test_wrong' },
      { authorization: `Basic ${paygenticSandboxCredentials.apiKey}` },
      { authorization: paygenticSandboxCredentials.apiKey },
    ];
    for (const headers of attempts) {
      const response = await simulator.app.request('/v1/entitlements?customerId=cus_demoAcme', { headers });
      expect(response.status).toBe(401);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ message: expect.any(String), error: 'unauthorized' });
    }
    // The auth scheme is case-insensitive (RFC 9110).
    const lower = await simulator.app.request('/v1/entitlements?customerId=cus_demoAcme', {
      headers: { authorization: `bearer ${paygenticSandboxCredentials.apiKey}` },
    });
    expect(lower.status).toBe(200);
  });

  it('accepts only the configured key', async () => {
    const simulator = createPaygenticSimulator({ apiKey: 'sk_test_other', now: () => now });
    const rejected = await simulator.app.request('/v1/entitlements?customerId=cus_demoAcme', {
      headers: auth,
    });
    expect(rejected.status).toBe(401);
    const accepted = await simulator.app.request('/v1/entitlements?customerId=cus_demoAcme', {
      headers: { authorization: 'Bearer sk_test_other' },
    });
    expect(accepted.status).toBe(200);
  });
});

describe('paygentic simulator: GET /v1/entitlements parameters', () => {
  it.each([
    ['', 'customerId'],
    ['customerId=acme', 'customerId'],
    ['customerId=cus_a-b', 'customerId'],
    ['customerId=cus_demoAcme&limit=0', 'limit'],
    ['customerId=cus_demoAcme&limit=101', 'limit'],
    ['customerId=cus_demoAcme&limit=ten', 'limit'],
    ['customerId=cus_demoAcme&limit=1.5', 'limit'],
    ['customerId=cus_demoAcme&offset=-1', 'offset'],
    ['customerId=cus_demoAcme&featureKey=sso_enabled', 'productId'],
    ['customerId=cus_demoAcme&productId=growth', 'productId'],
    ['customerId=cus_demoAcme&subscriptionId=x', 'subscriptionId'],
    ['customerId=cus_demoAcme&at=2024-01-15', 'at'],
    ['customerId=cus_demoAcme&at=2024-01-15T10:30:00', 'at'],
  ])('400 validation_error for %s (field %s)', async (query, field) => {
    const { response, body } = await list(query);
    expect(response.status).toBe(400);
    expect(body).toEqual({
      error: 'validation_error',
      message: expect.any(String),
      errors: expect.arrayContaining([{ field, message: expect.any(String), code: expect.any(String) }]),
    });
  });

  it('defaults to limit 10, offset 0 and pages by offset with the full total', async () => {
    const { body } = await list('customerId=cus_demoAcme');
    expect(body.object).toBe('list');
    expect(body.pagination).toEqual({ limit: 10, offset: 0, total: 11 });
    expect(body.data).toHaveLength(10);
    const { body: last } = await list('customerId=cus_demoAcme&offset=10&limit=10');
    expect(last.pagination).toEqual({ limit: 10, offset: 10, total: 11 });
    expect(last.data.map((item) => item.entitlementId)).toEqual(['ent_acmeBetaAgents']);
    const { body: beyond } = await list('customerId=cus_demoAcme&offset=50&limit=100');
    expect(beyond).toEqual({ object: 'list', data: [], pagination: { limit: 100, offset: 50, total: 11 } });
  });

  it('serves rows in issue order across pages, each exactly once', async () => {
    const simulator = setup();
    const ids: unknown[] = [];
    for (let offset = 0; offset < 520; offset += 100) {
      const response = await simulator.app.request(
        `/v1/entitlements?customerId=cus_demoBigco&limit=100&offset=${offset}`,
        { headers: auth },
      );
      const body = (await response.json()) as ListBody;
      expect(body.pagination.total).toBe(520);
      ids.push(...body.data.map((item) => item.entitlementId));
    }
    const stored = simulator.store.customers.get('cus_demoBigco')?.map((entitlement) => entitlement.id);
    expect(ids).toEqual(stored);
  });

  it('an unknown customer is an empty list with total 0 (the operation declares no 404)', async () => {
    const { response, body } = await list('customerId=cus_nobody&limit=100');
    expect(response.status).toBe(200);
    expect(body).toEqual({ object: 'list', data: [], pagination: { limit: 100, offset: 0, total: 0 } });
  });

  it('filters by productId, subscriptionId and featureKey + productId', async () => {
    const { body: byProduct } = await list('customerId=cus_demoAcme&productId=prod_legacy&limit=100');
    expect(byProduct.data.map((item) => item.entitlementId)).toEqual([
      'ent_acmeLegacySso',
      'ent_acmeAuditLog',
      'ent_acmeLegacyExport',
    ]);
    const { body: bySubscription } = await list('customerId=cus_demoAcme&subscriptionId=sub_acmeSeats');
    expect(bySubscription.data.map((item) => item.entitlementId)).toEqual(['ent_acmeSeatsAddon']);
    const { body: check } = await list('customerId=cus_demoAcme&productId=prod_growth&featureKey=max_users');
    expect(check.data.map((item) => item.entitlementId)).toEqual(['ent_acmeSeats']);
    expect(check.pagination.total).toBe(1);
  });
});

describe('paygentic simulator: row shape', () => {
  it('list rows follow EntitlementAccessResult: config only for static, metered fields only for metered, never isSoftLimit', async () => {
    const { body } = await list('customerId=cus_demoAcme&limit=100');
    expect(rowOf(body, 'ent_acmeSso')).toEqual({
      hasAccess: true,
      featureKey: 'sso_enabled',
      featureType: 'boolean',
      config: null,
      entitlementId: 'ent_acmeSso',
      productId: 'prod_growth',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: null,
      status: 'active',
    });
    expect(rowOf(body, 'ent_acmeSeats')).toMatchObject({ featureType: 'static', config: { limit: 25 } });
    expect(rowOf(body, 'ent_acmeSeats')).not.toHaveProperty('balance');
    expect(rowOf(body, 'ent_acmeApiCalls')).toEqual({
      hasAccess: true,
      featureKey: 'api_calls',
      featureType: 'metered',
      config: null,
      entitlementId: 'ent_acmeApiCalls',
      productId: 'prod_growth',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: null,
      status: 'active',
      balance: 10_000,
      usageInPeriod: 0,
      overage: 0,
      currentPeriodStart: '2026-06-01T00:00:00.000Z',
      currentPeriodEnd: '2026-07-01T00:00:00.000Z',
    });
    for (const item of body.data) expect(item).not.toHaveProperty('isSoftLimit');
  });
});

describe('paygentic simulator: evaluation at `at`', () => {
  it('status and hasAccess follow activeFrom, activeTo and cancellation at the instant asked', async () => {
    const at = async (instant: string) =>
      (await list(`customerId=cus_demoAcme&limit=100&at=${encodeURIComponent(instant)}`)).body;
    const current = await at('2026-06-01T12:00:00Z');
    expect(rowOf(current, 'ent_acmeLegacyExport')).toMatchObject({ hasAccess: false, status: 'expired' });
    expect(rowOf(current, 'ent_acmeAuditLog')).toMatchObject({ hasAccess: false, status: 'canceled' });
    expect(rowOf(current, 'ent_acmeBetaAgents')).toMatchObject({ hasAccess: false, status: 'active' });
    expect(rowOf(current, 'ent_acmeSeatsAddon')).toMatchObject({ hasAccess: true, status: 'active' });

    const past = await at('2024-06-01T00:00:00Z');
    expect(rowOf(past, 'ent_acmeLegacyExport')).toMatchObject({ hasAccess: true, status: 'active' });
    expect(rowOf(past, 'ent_acmeAuditLog')).toMatchObject({ hasAccess: true, status: 'active' });
    expect(rowOf(past, 'ent_acmeSeatsAddon')).toMatchObject({ hasAccess: false, status: 'active' });

    // An offset other than Z is the same instant: 2025-03-01T00:00Z is 01:00 at +01:00.
    const atCancellation = await at('2025-03-01T01:00:00+01:00');
    expect(rowOf(atCancellation, 'ent_acmeAuditLog')).toMatchObject({ status: 'canceled' });
    const justBefore = await at('2025-03-01T00:59:59+01:00');
    expect(rowOf(justBefore, 'ent_acmeAuditLog')).toMatchObject({ status: 'active', hasAccess: true });

    const future = await at('2099-06-01T00:00:00Z');
    expect(rowOf(future, 'ent_acmeBetaAgents')).toMatchObject({ hasAccess: true });
  });

  it('metered balances are evaluated in the usage period around `at`; the default `at` is now', async () => {
    const march = (await list('customerId=cus_demoAcme&limit=100&at=2024-03-15T00:00:00Z')).body;
    expect(rowOf(march, 'ent_acmeApiCalls')).toMatchObject({
      balance: 8_500,
      usageInPeriod: 1_500,
      overage: 0,
      currentPeriodStart: '2024-03-01T00:00:00.000Z',
      currentPeriodEnd: '2024-04-01T00:00:00.000Z',
    });
    const april = (await list('customerId=cus_demoAcme&limit=100&at=2024-04-15T00:00:00Z')).body;
    expect(rowOf(april, 'ent_acmeApiCalls')).toMatchObject({ balance: 9_950, usageInPeriod: 50 });
    const defaultAt = (await list('customerId=cus_demoAcme&limit=100')).body;
    expect(rowOf(defaultAt, 'ent_acmeApiCalls')).toMatchObject({
      currentPeriodStart: '2026-06-01T00:00:00.000Z',
    });
  });

  it('hard limit at zero balance denies, soft limit allows and reports overage', async () => {
    const { body } = await list('customerId=cus_demoAcme&limit=100');
    expect(rowOf(body, 'ent_acmeSms')).toMatchObject({ hasAccess: false, balance: 0, status: 'active' });
    expect(rowOf(body, 'ent_acmeAiTokens')).toMatchObject({
      hasAccess: true,
      balance: 0,
      usageInPeriod: 1_200,
      overage: 200,
      currentPeriodStart: null,
      currentPeriodEnd: null,
    });
    const beforeUsage = (await list('customerId=cus_demoAcme&limit=100&at=2024-01-15T00:00:00Z')).body;
    expect(rowOf(beforeUsage, 'ent_acmeSms')).toMatchObject({ hasAccess: true, balance: 500 });
  });
});

describe('paygentic simulator: GET /v1/entitlements/{entitlementId}', () => {
  it('returns the metered detail with isSoftLimit and the static detail with config', async () => {
    const simulator = setup();
    const soft = await simulator.app.request('/v1/entitlements/ent_acmeAiTokens', { headers: auth });
    expect(soft.status).toBe(200);
    expect(await soft.json()).toMatchObject({
      object: 'entitlement',
      id: 'ent_acmeAiTokens',
      customerId: 'cus_demoAcme',
      featureKey: 'ai_tokens',
      featureType: 'metered',
      subscriptionId: 'sub_acmeGrowth',
      hasAccess: true,
      isSoftLimit: true,
      balance: 0,
      usageInPeriod: 1_200,
      overage: 200,
    });
    const hard = await simulator.app.request('/v1/entitlements/ent_acmeSms', { headers: auth });
    expect(await hard.json()).toMatchObject({ isSoftLimit: false, hasAccess: false });
    const seats = await simulator.app.request('/v1/entitlements/ent_acmeSeats', { headers: auth });
    const seatsBody = (await seats.json()) as Record<string, unknown>;
    expect(seatsBody).toMatchObject({ featureType: 'static', config: { limit: 25 } });
    expect(seatsBody).not.toHaveProperty('isSoftLimit');
  });

  it('404 {message, error:"not_found"} for an unknown id, 400 for a malformed one, 401 without a key', async () => {
    const simulator = setup();
    const unknown = await simulator.app.request('/v1/entitlements/ent_doesNotExist', { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: expect.any(String), error: 'not_found' });
    const malformed = await simulator.app.request('/v1/entitlements/sub_123', { headers: auth });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'validation_error' });
    const anonymous = await simulator.app.request('/v1/entitlements/ent_acmeSms');
    expect(anonymous.status).toBe(401);
  });
});

describe('paygentic simulator: store and fixtures', () => {
  it('the store is mutable: usage and cancellations change later answers', async () => {
    const simulator = setup();
    simulator.store.recordUsage('ent_acmeApiCalls', 9_999, '2026-06-01T08:00:00Z');
    const event = simulator.store.cancelSubscription('sub_acmeSeats', '2026-06-01T09:00:00Z');
    expect(event).toEqual({
      eventType: 'subscription.cancelled.v0',
      eventId: expect.stringMatching(/^evt_/),
      timestamp: '2026-06-01T09:00:00Z',
      data: expect.objectContaining({ id: 'sub_acmeSeats', customerId: 'cus_demoAcme' }),
    });
    const response = await simulator.app.request('/v1/entitlements?customerId=cus_demoAcme&limit=100', {
      headers: auth,
    });
    const body = (await response.json()) as ListBody;
    expect(rowOf(body, 'ent_acmeApiCalls')).toMatchObject({ balance: 1, usageInPeriod: 9_999 });
    expect(rowOf(body, 'ent_acmeSeatsAddon')).toMatchObject({ status: 'canceled', hasAccess: false });
    // Fixtures are copied: another simulator still sees the original data.
    const fresh = setup();
    expect(fresh.store.findEntitlement('ent_acmeSeatsAddon')?.canceledAt).toBeNull();
  });

  it('demo customers have unique entitlement ids and one spans at least five pages of 100', () => {
    const ids = paygenticDemoCustomers.flatMap((customer) => customer.entitlements.map((row) => row.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^ent_[a-zA-Z0-9]+$/);
    const sizes = paygenticDemoCustomers.map((customer) => customer.entitlements.length);
    expect(Math.max(...sizes)).toBeGreaterThan(400);
  });

  it('generatePaygenticCustomer is deterministic and sized as asked', () => {
    const first = generatePaygenticCustomer('cus_load1', 40, { rowsPerFeature: 3 });
    expect(generatePaygenticCustomer('cus_load1', 40, { rowsPerFeature: 3 })).toEqual(first);
    expect(first.entitlements).toHaveLength(120);
    expect(new Set(first.entitlements.map((row) => row.featureKey)).size).toBe(40);
    expect(new Set(first.entitlements.map((row) => row.featureType))).toEqual(
      new Set(['boolean', 'static', 'metered']),
    );
    const other = generatePaygenticCustomer('cus_load2', 40, { rowsPerFeature: 3 });
    const overlap = other.entitlements.filter((row) => first.entitlements.some((mine) => mine.id === row.id));
    expect(overlap).toEqual([]);
    expect(() => generatePaygenticCustomer('load', 1)).toThrow(RangeError);
  });
});

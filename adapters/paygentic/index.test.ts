import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entitlement } from '../../schemas/entitlement';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createUpstreamClient } from '../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../test/support/http-server';
import type { LoadContext, RememberFunction, Transport } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import type { RecordedRequest } from '../simulator-kit';
import { createPaygenticAdapter, type PaygenticAdapterOptions } from './adapter';
import {
  generatePaygenticCustomer,
  type PaygenticStoredEntitlement,
  paygenticDemoCustomers,
  paygenticSandboxCredentials,
} from './fixtures';
import { createPaygenticSimulator } from './simulator';

// The adapter against the simulator over real loopback HTTP (undici), asserting both what comes back
// and what went out.

const now = Date.parse('2026-06-01T12:00:00Z');
const apiKey = paygenticSandboxCredentials.apiKey;

const crawlCustomer = generatePaygenticCustomer('cus_crawl', 530);
const softPair: PaygenticStoredEntitlement[] = [
  {
    id: 'ent_pairOld',
    customerId: 'cus_pair',
    productId: 'prod_old',
    subscriptionId: 'sub_pairOld',
    featureId: 'feat_tokens',
    featureKey: 'tokens',
    featureType: 'metered',
    activeFrom: '2024-01-01T00:00:00Z',
    activeTo: null,
    canceledAt: '2025-01-01T00:00:00Z',
    config: null,
    metadata: {},
    metering: { usagePeriod: null, isSoftLimit: false, grants: [], usage: [] },
  },
  {
    id: 'ent_pairNew',
    customerId: 'cus_pair',
    productId: 'prod_new',
    subscriptionId: 'sub_pairNew',
    featureId: 'feat_tokens',
    featureKey: 'tokens',
    featureType: 'metered',
    activeFrom: '2025-01-01T00:00:00Z',
    activeTo: null,
    canceledAt: null,
    config: null,
    metadata: {},
    metering: {
      usagePeriod: null,
      isSoftLimit: true,
      grants: [{ id: 'grt_pairNew', amount: 100, effectiveAt: '2025-01-01T00:00:00Z', expiresAt: null }],
      usage: [],
    },
  },
];

const simulator = createPaygenticSimulator({
  now: () => now,
  customers: [
    ...paygenticDemoCustomers,
    crawlCustomer,
    { customerId: 'cus_pair', description: '', entitlements: softPair },
  ],
});
const undici = createUndiciTransport();
/**
 * Every request carries the number of the test that sent it: a page a failed crawl aborted may be on
 * the wire already and reach the simulator during the next test, where it must not be counted.
 */
let testCase = 0;
const transport: Transport = (url, init) =>
  undici(url, { ...init, headers: { ...init.headers, 'x-test-case': String(testCase) } });

/** What this test sent to the simulator. */
function recorded(): RecordedRequest[] {
  return simulator.kit.recorded.filter((request) => request.headers['x-test-case'] === String(testCase));
}
let server: RunningServer;

beforeAll(async () => {
  server = await startHttpServer(simulator.app);
});

afterAll(async () => {
  await undici.close();
  await server.close();
});

beforeEach(() => {
  testCase += 1;
});

afterEach(async () => {
  // Requests a failed crawl aborted may already be on the wire: the server still reads them a moment
  // later. Their tag keeps them out of the next test's counts, however late they come; waiting for
  // the ones in sight keeps them out of the next test's in-flight peaks too.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  await pause();
  while (simulator.kit.inFlight.current > 0) await pause();
  simulator.kit.reset();
});

function adapterFor(overrides: Partial<PaygenticAdapterOptions> = {}) {
  return createPaygenticAdapter({
    connection: { baseUrl: server.url, apiKey },
    // A fresh client per adapter: its breaker and request budget must not carry over between tests.
    // Zero jitter keeps retries (the shared client's, not the adapter's) instant.
    upstream: createUpstreamClient({ transport, random: () => 0 }),
    connectionKey: 'tenant-test:paygentic',
    clock: { now: () => now },
    ...overrides,
  });
}

function memoryRemember() {
  const entries = new Map<string, unknown>();
  const remember: RememberFunction = async <T>(namespace: string, key: string, load: () => Promise<T>) => {
    const cacheKey = `${namespace}:${key}`;
    if (entries.has(cacheKey)) return entries.get(cacheKey) as T;
    const value = await load();
    entries.set(cacheKey, value);
    return value;
  };
  return { remember, entries };
}

function context(overrides: Partial<LoadContext> = {}): LoadContext {
  return { remember: memoryRemember().remember, ...overrides };
}

function listRequests(customerId?: string): RecordedRequest[] {
  return recorded().filter(
    (request) =>
      request.path === '/v1/entitlements' &&
      (customerId === undefined || request.query['customerId']?.[0] === customerId),
  );
}

function offsetsOf(requests: RecordedRequest[]): number[] {
  return requests.map((request) => Number(request.query['offset']?.[0])).sort((a, b) => a - b);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function featureOf(entitlements: Entitlement[], featureKey: string): Entitlement {
  const found = entitlements.find((entitlement) => entitlement.featureKey === featureKey);
  if (!found) throw new Error(`no ${featureKey}`);
  return found;
}

describe('paygentic adapter: loading over HTTP', () => {
  it('loads every row of a multi-page customer exactly once, in offset order, with the documented requests', async () => {
    const snapshot = await adapterFor().loadCustomer('cus_crawl', context());
    const ids = snapshot.data.rows.map((row) => row.entitlementId);
    expect(ids).toEqual(crawlCustomer.entitlements.map((entitlement) => entitlement.id));
    expect(new Set(ids).size).toBe(530);
    expect(snapshot).toMatchObject({
      vendor: 'paygentic',
      customerId: 'cus_crawl',
      fetchedAt: '2026-06-01T12:00:00.000Z',
      evaluatedAt: null,
    });
    // Rows are kept as received: JSON-only, with fields the mapper does not read.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.data.rows.find((row) => row.featureType === 'metered')).toHaveProperty('overage');

    const requests = listRequests();
    expect(requests).toHaveLength(6);
    expect(offsetsOf(requests)).toEqual([0, 100, 200, 300, 400, 500]);
    for (const request of requests) {
      expect(request.method).toBe('GET');
      expect(Object.keys(request.query).sort()).toEqual(['customerId', 'limit', 'offset']);
      expect(request.query['customerId']).toEqual(['cus_crawl']);
      expect(request.query['limit']).toEqual(['100']);
      expect(request.headers['authorization']).toBe(`Bearer ${apiKey}`);
      expect(request.headers).not.toHaveProperty('x-api-key');
    }
    // Page 1 is read alone: its total decides the rest.
    const first = requests.find((request) => request.query['offset']?.[0] === '0');
    const others = requests.filter((request) => request !== first);
    expect(others.every((request) => request.startedAt >= (first?.endedAt ?? Number.POSITIVE_INFINITY))).toBe(
      true,
    );
  });

  it('fetches the pages after the first all at once (up to 8 in flight), each offset once with limit=100', async () => {
    simulator.kit.setLatency(50);
    const snapshot = await adapterFor().loadCustomer('cus_crawl', context());
    expect(snapshot.data.rows).toHaveLength(530);
    // Page 1 alone, then the other five together: two round trips.
    expect(simulator.kit.inFlight.peak).toBe(5);
    const requests = listRequests();
    expect(offsetsOf(requests)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(requests.every((request) => request.query['limit']?.[0] === '100')).toBe(true);
  });

  it('honours the pageConcurrency option', async () => {
    simulator.kit.setLatency(30);
    await adapterFor({ pageConcurrency: 2 }).loadCustomer('cus_crawl', context());
    expect(simulator.kit.inFlight.peak).toBe(2);
    simulator.kit.reset();
    simulator.kit.setLatency(10);
    await adapterFor({ pageConcurrency: 1 }).loadCustomer('cus_crawl', context());
    expect(simulator.kit.inFlight.peak).toBe(1);
    expect(() => adapterFor({ pageConcurrency: 0 })).toThrow(RangeError);
    expect(() => adapterFor({ pageSize: 101 })).toThrow(RangeError);
  });

  it('passes `at` on every page and records it as evaluatedAt; Paygentic answers for that instant', async () => {
    const at = '2024-06-01T05:30:00+05:30';
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer('cus_crawl', context({ at }));
    expect(snapshot.evaluatedAt).toBe(at);
    const requests = listRequests();
    expect(requests).toHaveLength(6);
    for (const request of requests) expect(request.query['at']).toEqual([at]);

    simulator.kit.reset();
    const past = await adapter.loadCustomer('cus_demoAcme', context({ at: '2024-06-01T00:00:00Z' }));
    const current = await adapter.loadCustomer('cus_demoAcme', context());
    const pastView = adapter.normalize(past, new Date('2024-06-01T00:00:00Z'));
    const currentView = adapter.normalize(current, new Date(now));
    expect(featureOf(pastView.entitlements, 'legacy_export')).toMatchObject({
      hasAccess: true,
      reason: null,
    });
    expect(featureOf(currentView.entitlements, 'legacy_export')).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });
    expect(featureOf(pastView.entitlements, 'max_users')).toMatchObject({ limit: 25 });
    expect(featureOf(currentView.entitlements, 'max_users')).toMatchObject({ limit: 50 });
    expect(pastView.changesAt).toBe(Date.parse('2025-01-01T00:00:00Z'));
  });

  it('normalizes the demo customer by the mapping rules', async () => {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer('cus_demoAcme', context());
    const { entitlements, changesAt } = adapter.normalize(snapshot, new Date(now));
    expect(entitlements.map((entitlement) => entitlement.featureKey)).toEqual([
      'ai_tokens',
      'api_calls',
      'audit_log',
      'beta_agents',
      'legacy_export',
      'max_users',
      'sms',
      'sso_enabled',
      'storage',
    ]);
    expect(featureOf(entitlements, 'sso_enabled')).toMatchObject({
      type: 'boolean',
      hasAccess: true,
      grants: [
        { vendorId: 'ent_acmeSso', sourceId: 'prod_growth', hasAccess: true, status: 'active' },
        { vendorId: 'ent_acmeLegacySso', sourceId: 'prod_legacy', hasAccess: false, status: 'canceled' },
      ],
    });
    expect(featureOf(entitlements, 'storage')).toMatchObject({ type: 'config', config: { limitGB: 500 } });
    expect(featureOf(entitlements, 'api_calls')).toMatchObject({
      type: 'metered',
      remaining: 10_000,
      usage: 0,
      limit: 10_000,
    });
    expect(featureOf(entitlements, 'ai_tokens')).toMatchObject({
      hasAccess: true,
      remaining: 0,
      usage: 1_200,
    });
    expect(featureOf(entitlements, 'sms')).toMatchObject({ hasAccess: false, reason: 'limit_exceeded' });
    expect(featureOf(entitlements, 'audit_log')).toMatchObject({ hasAccess: false, reason: 'disabled' });
    expect(featureOf(entitlements, 'beta_agents')).toMatchObject({ hasAccess: false, reason: 'inactive' });
    expect(changesAt).toBe(Date.parse('2099-01-01T00:00:00Z'));
  });

  it('an unknown customer (the simulator answers an empty list, as documented) has no entitlements', async () => {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer('cus_nobody', context());
    expect(snapshot.data.rows).toEqual([]);
    expect(adapter.normalize(snapshot, new Date(now))).toEqual({ entitlements: [], changesAt: null });
    expect(listRequests()).toHaveLength(1);
  });
});

describe('paygentic adapter: customer ids', () => {
  it('validateCustomerId accepts cus_ ids only', () => {
    const adapter = adapterFor();
    expect(adapter.validateCustomerId('cus_a1B2c3')).toBeNull();
    for (const id of [
      '',
      'cus_',
      'a1b2',
      'CUS_abc',
      'cus_a-b',
      'cus_a/../b',
      'cus_a b',
      'cus_a?x=1',
      'sub_abc',
    ]) {
      expect(adapter.validateCustomerId(id)).toEqual(expect.any(String));
    }
  });

  it('loadCustomer with an impossible id fails before any call', async () => {
    const error = await rejectionOf(adapterFor().loadCustomer('cus_../admin', context()));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'validation_failed', vendor: 'paygentic' });
    expect(recorded()).toHaveLength(0);
  });
});

describe('paygentic adapter: errors', () => {
  it('a vendor 404 for the customer → customer_not_found', async () => {
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: { kind: 'status', status: 404, body: '{"message":"Customer not found","error":"not_found"}' },
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_gone', context()));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'customer_not_found', status: 404, vendor: 'paygentic' });
  });

  it('wrong credentials → UpstreamError vendor_auth_failed naming the vendor, without the key', async () => {
    const error = await rejectionOf(
      adapterFor({ connection: { baseUrl: server.url, apiKey: 'sk_test_wrongKey' } }).loadCustomer(
        'cus_demoAcme',
        context(),
      ),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: 'vendor_auth_failed',
      vendor: 'paygentic',
      failure: { vendorStatus: 401, vendorCode: 'unauthorized', operation: 'list_entitlements' },
    });
    expect((error as Error).message).not.toContain('sk_test');
    expect(listRequests()[0]?.headers['authorization']).toBe('Bearer sk_test_wrongKey');
  });

  it.each([
    [
      'a row without its required fields',
      '{"object":"list","data":[{"featureKey":"x"}],"pagination":{"total":1}}',
    ],
    ['no pagination', '{"object":"list","data":[]}'],
    ['data not an array', '{"object":"list","data":{},"pagination":{"limit":100,"offset":0,"total":0}}'],
  ])('a 2xx body with %s → vendor_bad_response', async (_case, body) => {
    simulator.kit.inject({ path: '/v1/entitlements', fault: { kind: 'status', status: 200, body } });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'paygentic' });
    expect((error as Error).message).not.toContain('featureKey');
  });

  it('a 2xx body that is not JSON → vendor_bad_response', async () => {
    // Every attempt: the shared client retries a bad body once.
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: { kind: 'malformed-json' },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'paygentic' });
  });

  it('a vendor that ignores offset (echoing offset 0) → vendor_bad_response, not a loop', async () => {
    const firstPage = await (
      await simulator.app.request('/v1/entitlements?customerId=cus_crawl&limit=100&offset=0', {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).text();
    simulator.kit.reset();
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: { kind: 'status', status: 200, body: firstPage },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_crawl', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'paygentic' });
    expect((error as Error).message).toMatch(/offset 100.*offset 0/);
    // Page 1 plus at most one window of concurrent pages: bounded, whatever the vendor does.
    expect(listRequests().length).toBeLessThanOrEqual(9);
  });

  it('a vendor that ignores offset without echoing it → vendor_bad_response (same rows again)', async () => {
    const page = (await (
      await simulator.app.request('/v1/entitlements?customerId=cus_crawl&limit=100&offset=0', {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).json()) as { data: unknown[]; pagination: { total: number } };
    simulator.kit.reset();
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: {
        kind: 'status',
        status: 200,
        body: JSON.stringify({
          object: 'list',
          data: page.data,
          pagination: { total: page.pagination.total },
        }),
      },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_crawl', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect((error as Error).message).toMatch(/same rows again/);
  });

  it('an empty page although total says more → vendor_bad_response', async () => {
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: {
        kind: 'status',
        status: 200,
        body: '{"object":"list","data":[],"pagination":{"limit":100,"offset":0,"total":250}}',
      },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect(listRequests('cus_demoAcme')).toHaveLength(1);
  });

  it('more pages than maxPages → vendor_bad_response after page 1, with a clear message', async () => {
    const error = await rejectionOf(adapterFor({ maxPages: 3 }).loadCustomer('cus_crawl', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'paygentic' });
    expect((error as Error).message).toMatch(/530 rows, more than 3 pages/);
    expect(listRequests()).toHaveLength(1);
  });

  it('vendor 5xx passes through as a retryable vendor_unavailable', async () => {
    simulator.kit.inject({
      path: '/v1/entitlements',
      fault: { kind: 'status', status: 503, body: '{"message":"down"}' },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toMatchObject({ code: 'vendor_unavailable', vendor: 'paygentic', retryable: true });
  });
});

describe('paygentic adapter: isSoftLimit', () => {
  async function entitlementsOf(customerId: string) {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer(customerId, context());
    simulator.kit.reset();
    return { adapter, entitlements: adapter.normalize(snapshot, new Date(now)).entitlements };
  }

  it('asks GET /v1/entitlements/{id} once and caches the answer through remember', async () => {
    const { adapter, entitlements } = await entitlementsOf('cus_demoAcme');
    const { remember, entries } = memoryRemember();
    const aiTokens = featureOf(entitlements, 'ai_tokens');
    expect(await adapter.isSoftLimit?.(aiTokens, { remember })).toBe(true);
    expect(await adapter.isSoftLimit?.(aiTokens, { remember })).toBe(true);
    expect(recorded()).toHaveLength(1);
    const [request] = recorded();
    expect(request).toMatchObject({ method: 'GET', path: '/v1/entitlements/ent_acmeAiTokens', query: {} });
    expect(request?.headers['authorization']).toBe(`Bearer ${apiKey}`);
    expect([...entries.keys()]).toEqual(['detail:ent_acmeAiTokens']);
    expect(await adapter.isSoftLimit?.(featureOf(entitlements, 'sms'), { remember })).toBe(false);
  });

  it('is false without a call for an entitlement that is not metered', async () => {
    const { adapter, entitlements } = await entitlementsOf('cus_demoAcme');
    expect(await adapter.isSoftLimit?.(featureOf(entitlements, 'max_users'), context())).toBe(false);
    expect(recorded()).toHaveLength(0);
  });

  it('picks the metered row with access among several grants, with or without raw', async () => {
    const { adapter, entitlements } = await entitlementsOf('cus_pair');
    const tokens = featureOf(entitlements, 'tokens');
    expect(tokens.grants.map((grant) => grant.vendorId)).toEqual(['ent_pairOld', 'ent_pairNew']);
    expect(await adapter.isSoftLimit?.(tokens, context())).toBe(true);
    const { raw: _raw, ...stripped } = tokens;
    expect(await adapter.isSoftLimit?.(stripped, context())).toBe(true);
    expect(recorded().map((request) => request.path)).toEqual([
      '/v1/entitlements/ent_pairNew',
      '/v1/entitlements/ent_pairNew',
    ]);
  });

  it('an entitlement gone since the snapshot (404) is a hard limit', async () => {
    const { adapter, entitlements } = await entitlementsOf('cus_demoAcme');
    const rows = simulator.store.customers.get('cus_demoAcme') ?? [];
    const saved = [...rows];
    rows.splice(
      rows.findIndex((row) => row.id === 'ent_acmeAiTokens'),
      1,
    );
    try {
      expect(await adapter.isSoftLimit?.(featureOf(entitlements, 'ai_tokens'), context())).toBe(false);
      expect(recorded()[0]?.path).toBe('/v1/entitlements/ent_acmeAiTokens');
    } finally {
      rows.splice(0, rows.length, ...saved);
    }
  });

  it('a metered detail without isSoftLimit → vendor_bad_response', async () => {
    const { adapter, entitlements } = await entitlementsOf('cus_demoAcme');
    simulator.kit.inject({
      path: '/v1/entitlements/ent_acmeAiTokens',
      fault: { kind: 'status', status: 200, body: '{"id":"ent_acmeAiTokens","featureType":"metered"}' },
    });
    const error = await rejectionOf(
      adapter.isSoftLimit?.(featureOf(entitlements, 'ai_tokens'), context()) ?? Promise.resolve(),
    );
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'paygentic' });
  });
});

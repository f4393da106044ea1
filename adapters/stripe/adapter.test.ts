import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Entitlement } from '../../schemas/entitlement';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createUpstreamClient, type UpstreamClientOptions } from '../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../test/support/http-server';
import type { LoadContext } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import type { RecordedRequest } from '../simulator-kit';
import { createStripeAdapter, type StripeAdapterOptions } from './adapter';
import {
  generateStripeCustomer,
  stripeDemoCatalogue,
  stripeDemoCustomers,
  stripeSandboxCredentials,
} from './fixtures';
import { createStripeSimulator } from './simulator';

// The adapter against the simulator over real loopback HTTP (undici), asserting both what comes back
// and what went out.

const now = Date.parse('2026-06-01T12:00:00Z');
const apiKey = stripeSandboxCredentials.apiKey;
const crawl = generateStripeCustomer('cus_crawl', 530);

const simulator = createStripeSimulator({
  now: () => now,
  customers: [...stripeDemoCustomers, crawl.customer],
  features: stripeDemoCatalogue.concat(
    crawl.features.filter((feature) => !stripeDemoCatalogue.some((known) => known.id === feature.id)),
  ),
});
const transport = createUndiciTransport();
let server: RunningServer;

beforeAll(async () => {
  server = await startHttpServer(simulator.app);
});

afterAll(async () => {
  await transport.close();
  await server.close();
});

afterEach(async () => {
  // A failed crawl's aborted request may still be arriving: let it finish before forgetting.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  await pause();
  while (simulator.kit.inFlight.current > 0) await pause();
  simulator.kit.reset();
});

function adapterFor(
  overrides: Partial<StripeAdapterOptions> = {},
  upstreamOptions: Partial<UpstreamClientOptions> = {},
) {
  return createStripeAdapter({
    connection: { baseUrl: server.url, apiKey },
    // A fresh client per adapter: its breaker and budget must not carry over between tests. Zero
    // jitter keeps the shared client's retries instant.
    upstream: createUpstreamClient({
      transport,
      random: () => 0,
      limitsFor: () => ({ requestsPerMinute: 60_000, burst: 1_000, maxConcurrent: 10 }),
      ...upstreamOptions,
    }),
    connectionKey: 'tenant-test:stripe',
    clock: { now: () => now },
    ...overrides,
  });
}

const context = (overrides: Partial<LoadContext> = {}): LoadContext => ({
  remember: (_namespace, _key, load) => load(),
  ...overrides,
});

function listRequests(): RecordedRequest[] {
  return simulator.kit.recorded.filter((request) => request.path === '/v1/entitlements/active_entitlements');
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

describe('stripe adapter: loading over HTTP', () => {
  it('loads every row of a multi-page customer exactly once, page after page, with the documented requests', async () => {
    const snapshot = await adapterFor().loadCustomer('cus_crawl', context());
    const ids = snapshot.data.rows.map((row) => row.id);
    expect(ids).toEqual(crawl.customer.entitlements.map((entitlement) => entitlement.id));
    expect(snapshot).toMatchObject({
      vendor: 'stripe',
      customerId: 'cus_crawl',
      fetchedAt: '2026-06-01T12:00:00.000Z',
      evaluatedAt: null,
    });
    // JSON-only, so the cache can store it as is.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);

    const requests = listRequests();
    expect(requests).toHaveLength(6);
    expect(requests.map((request) => request.query['starting_after']?.[0] ?? null)).toEqual([
      null,
      'ent_crawlF0099',
      'ent_crawlF0199',
      'ent_crawlF0299',
      'ent_crawlF0399',
      'ent_crawlF0499',
    ]);
    for (const request of requests) {
      expect(request.method).toBe('GET');
      expect(request.query['customer']).toEqual(['cus_crawl']);
      expect(request.query['limit']).toEqual(['100']);
      expect(request.query['expand[]']).toEqual(['data.feature']);
      expect(Object.keys(request.query).sort()).toEqual(
        request.query['starting_after']
          ? ['customer', 'expand[]', 'limit', 'starting_after']
          : ['customer', 'expand[]', 'limit'],
      );
      expect(request.headers['authorization']).toBe(`Bearer ${apiKey}`);
      expect(request.headers).not.toHaveProperty('stripe-version');
    }
    // Keyset pages depend on each other: each starts after the previous one ended.
    for (let index = 1; index < requests.length; index++) {
      expect(requests[index]?.startedAt).toBeGreaterThanOrEqual(
        requests[index - 1]?.endedAt ?? Number.POSITIVE_INFINITY,
      );
    }
  });

  it('honours pageSize and sends Stripe-Version when the connection pins one', async () => {
    const adapter = adapterFor({
      pageSize: 7,
      connection: { baseUrl: server.url, apiKey, apiVersion: '2024-09-30.acacia' },
    });
    const snapshot = await adapter.loadCustomer('cus_demoBigco', context());
    expect(snapshot.data.rows).toHaveLength(240);
    const requests = listRequests();
    expect(requests).toHaveLength(Math.ceil(240 / 7));
    expect(requests.every((request) => request.query['limit']?.[0] === '7')).toBe(true);
    expect(requests.every((request) => request.headers['stripe-version'] === '2024-09-30.acacia')).toBe(true);
    expect(() => adapterFor({ pageSize: 101 })).toThrow(RangeError);
    expect(() => adapterFor({ pageSize: 0 })).toThrow(RangeError);
  });

  it('normalizes the demo customer by the mapping rules', async () => {
    const adapter = adapterFor();
    const { entitlements, changesAt } = adapter.normalize(
      await adapter.loadCustomer('cus_demoAcme', context()),
      new Date(now),
    );
    expect(entitlements.map((entitlement) => entitlement.featureKey)).toEqual([
      'api_access',
      'audit_log',
      'legacy_reports',
      'sso',
    ]);
    expect(changesAt).toBeNull();
    expect(featureOf(entitlements, 'sso')).toMatchObject({
      vendor: 'stripe',
      customerId: 'cus_demoAcme',
      featureName: 'Single sign-on',
      type: 'boolean',
      hasAccess: true,
      reason: null,
      grants: [
        {
          source: 'active_entitlement',
          sourceId: 'feat_demoSso',
          vendorId: 'ent_demoAcmeSso',
          hasAccess: true,
        },
      ],
    });
    // Archived but still listed by Stripe: still granted.
    expect(featureOf(entitlements, 'legacy_reports')).toMatchObject({
      hasAccess: true,
      featureName: 'Legacy reports',
    });
  });

  it('a customer holding nothing loads as an empty snapshot, not an unknown customer', async () => {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer('cus_demoNone', context());
    expect(snapshot.data.rows).toEqual([]);
    expect(adapter.normalize(snapshot, new Date(now)).entitlements).toEqual([]);
  });

  it('an unknown customer is customer_not_found after one request', async () => {
    const error = await rejectionOf(adapterFor().loadCustomer('cus_nobody', context()));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'customer_not_found', vendor: 'stripe' });
    expect(listRequests()).toHaveLength(1);
  });

  it('an id that cannot be a Stripe customer is refused without calling Stripe', async () => {
    const adapter = adapterFor();
    expect(adapter.validateCustomerId('cus_demoAcme')).toBeNull();
    expect(adapter.validateCustomerId('acme')).toMatch(/cus_/);
    const error = await rejectionOf(adapter.loadCustomer('acme&limit=1', context()));
    expect(error).toMatchObject({ code: 'validation_failed' });
    expect(simulator.kit.recorded).toHaveLength(0);
  });
});

describe('stripe adapter: misbehaving listings and faults', () => {
  it('a page with has_more true and no rows is vendor_bad_response after that one page, not a loop', async () => {
    simulator.kit.inject({
      fault: { kind: 'status', status: 200, body: '{"object":"list","has_more":true,"data":[]}' },
      path: '/v1/entitlements/active_entitlements',
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'stripe' });
    expect(listRequests()).toHaveLength(1);
  });

  it('a listing that repeats a row is vendor_bad_response', async () => {
    const row =
      '{"id":"ent_same","object":"entitlements.active_entitlement","feature":"feat_demoSso","lookup_key":"sso"}';
    simulator.kit.inject({
      fault: { kind: 'status', status: 200, body: `{"object":"list","has_more":true,"data":[${row}]}` },
      path: '/v1/entitlements/active_entitlements',
      times: 2,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect(listRequests().map((request) => request.query['starting_after']?.[0] ?? null)).toEqual([
      null,
      'ent_same',
    ]);
  });

  it('stops at maxPages', async () => {
    const error = await rejectionOf(
      adapterFor({ pageSize: 10, maxPages: 3 }).loadCustomer('cus_demoBigco', context()),
    );
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect(listRequests()).toHaveLength(3);
  });

  it('a 500 on a middle page is retried and the crawl completes with every row once', async () => {
    simulator.kit.inject({
      fault: { kind: 'status', status: 500, body: '{"error":{"type":"api_error","message":"boom"}}' },
      path: '/v1/entitlements/active_entitlements',
      times: 1,
    });
    const snapshot = await adapterFor().loadCustomer('cus_demoBigco', context());
    expect(new Set(snapshot.data.rows.map((row) => row.id)).size).toBe(240);
    expect(listRequests()).toHaveLength(4);
  });

  it.each([
    [
      '429 every time',
      { kind: 'status', status: 429, body: '{"error":{"type":"invalid_request_error","code":"rate_limit"}}' },
      'vendor_rate_limited',
    ],
    [
      '503 every time',
      { kind: 'status', status: 503, body: '{"error":{"type":"api_error"}}' },
      'vendor_unavailable',
    ],
    ['a non-JSON 200', { kind: 'malformed-json' }, 'vendor_bad_response'],
    [
      '401',
      {
        kind: 'status',
        status: 401,
        body: '{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}',
      },
      'vendor_auth_failed',
    ],
  ] as const)('%s → %s', async (_label, fault, code) => {
    simulator.kit.inject({
      fault,
      path: '/v1/entitlements/active_entitlements',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejectionOf(adapterFor().loadCustomer('cus_demoAcme', context()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code, vendor: 'stripe' });
  });

  it('a Stripe that does not answer in time is vendor_timeout', async () => {
    simulator.kit.inject({ fault: { kind: 'delay', ms: 400 }, times: Number.POSITIVE_INFINITY });
    const adapter = adapterFor({}, { attemptTimeoutMs: 100, deadlineMs: 250, maxAttempts: 2 });
    const error = await rejectionOf(adapter.loadCustomer('cus_demoAcme', context()));
    expect(error).toMatchObject({ code: 'vendor_timeout', vendor: 'stripe' });
  });
});

describe('stripe adapter: webhooks', () => {
  it('resolves the summary event to its customer', async () => {
    const adapter = adapterFor();
    const event = simulator.store.grant('cus_demoStarter', 'feat_demoSso');
    try {
      expect(await adapter.resolveWebhook?.(JSON.parse(JSON.stringify(event)), context())).toEqual({
        eventId: event.id,
        eventType: 'entitlements.active_entitlement_summary.updated',
        customerIds: ['cus_demoStarter'],
        catalogChanged: false,
      });
    } finally {
      simulator.store.revoke('cus_demoStarter', 'sso');
    }
  });
});

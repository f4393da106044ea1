import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createUpstreamClient } from '../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../test/support/http-server';
import type { CustomerSnapshot, LoadContext, RememberFunction, UpstreamClient } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import { createChargebeeAdapter, FALLBACK_RECHECK_MS, validateChargebeeCustomerId } from './adapter';
import { chargebeeAuthorization } from './client';
import type { ChargebeeConnection } from './connection';
import {
  type ChargebeeDataset,
  chargebeeDemoLargeCustomerId,
  chargebeeSandboxCredentials,
  createChargebeeDemoDataset,
  generateChargebeeCustomer,
  mergeChargebeeDatasets,
} from './fixtures';
import type { ChargebeeSnapshotData } from './mapper';
import { type ChargebeeSimulator, createChargebeeSimulator } from './simulator';
import type { ChargebeeCustomerEntitlement } from './wire';

const transport = createUndiciTransport();
const expectedAuthorization = `Basic ${Buffer.from(`${chargebeeSandboxCredentials.apiKey}:`).toString('base64')}`;

interface Harness {
  simulator: ChargebeeSimulator;
  server: RunningServer;
  baseUrl: string;
}

const running: Harness[] = [];

async function harness(options: Parameters<typeof createChargebeeSimulator>[0] = {}): Promise<Harness> {
  const simulator = createChargebeeSimulator(options);
  const server = await startHttpServer(simulator.app);
  const started = { simulator, server, baseUrl: `${server.url}/api/v2` };
  running.push(started);
  return started;
}

function memoryRemember(): RememberFunction & { store: Map<string, unknown> } {
  const store = new Map<string, unknown>();
  const remember = (async <T>(namespace: string, key: string, load: () => Promise<T>): Promise<T> => {
    const cacheKey = `${namespace}:${key}`;
    if (store.has(cacheKey)) return store.get(cacheKey) as T;
    const value = await load();
    store.set(cacheKey, value);
    return value;
  }) as RememberFunction;
  return Object.assign(remember, { store });
}

/**
 * Each adapter gets its own upstream client: the client keeps a rate budget (Chargebee's 150 calls/min)
 * and a circuit breaker per connection, which must not carry over from one test to the next.
 */
function adapterFor(
  baseUrl: string,
  connection: Partial<ChargebeeConnection> = {},
  clock = { now: () => Date.now() },
  upstream: UpstreamClient = createUpstreamClient({ transport }),
) {
  return createChargebeeAdapter({
    connection: {
      baseUrl,
      site: chargebeeSandboxCredentials.site,
      apiKey: chargebeeSandboxCredentials.apiKey,
      entitlementSource: 'auto',
      consolidateEntitlements: false,
      ...connection,
    },
    upstream,
    connectionKey: 'tenant-a:chargebee',
    clock,
  });
}

function context(remember: RememberFunction = memoryRemember()): LoadContext {
  return { remember };
}

async function load(
  adapter: ReturnType<typeof adapterFor>,
  customerId: string,
  loadContext: LoadContext = context(),
): Promise<CustomerSnapshot<ChargebeeSnapshotData>> {
  return (await adapter.loadCustomer(customerId, loadContext)) as CustomerSnapshot<ChargebeeSnapshotData>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function withoutRawAndStatus(value: ReturnType<ReturnType<typeof adapterFor>['normalize']>) {
  return value.entitlements.map(({ raw: _raw, grants, ...rest }) => ({
    ...rest,
    grants: grants.map(({ status: _status, ...grant }) => grant),
  }));
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.server.close()));
});

afterAll(async () => {
  await transport.close();
});

describe('Chargebee adapter over real HTTP: customer_entitlements', () => {
  it('crawls every page of a large customer: every row exactly once, outgoing requests as documented', async () => {
    const { simulator, baseUrl } = await harness();
    const adapter = adapterFor(baseUrl);
    const snapshot = await load(adapter, chargebeeDemoLargeCustomerId);

    expect(snapshot).toMatchObject({
      vendor: 'chargebee',
      customerId: chargebeeDemoLargeCustomerId,
      evaluatedAt: null,
    });
    if (snapshot.data.source !== 'customer_entitlements') throw new Error('expected customer_entitlements');
    const rows = snapshot.data.rows;
    const expected = simulator.store.subscriptionEntitlements
      .filter((row) => row.subscription_id.startsWith(`${chargebeeDemoLargeCustomerId}-sub-`))
      .map((row) => `${row.subscription_id}/${row.feature_id}`);
    const received = rows.map((row) => `${row.subscription_id}/${row.feature_id}`);
    expect(received).toHaveLength(500);
    expect(new Set(received).size).toBe(500);
    expect(new Set(received)).toEqual(new Set(expected));
    // The snapshot is plain JSON.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);

    const entitlementRequests = simulator.kit.recorded.filter((request) =>
      request.path.endsWith('/customer_entitlements'),
    );
    expect(entitlementRequests.map((request) => [request.method, request.path, request.query])).toEqual([
      ['GET', `/api/v2/customers/${chargebeeDemoLargeCustomerId}/customer_entitlements`, { limit: ['100'] }],
      [
        'GET',
        `/api/v2/customers/${chargebeeDemoLargeCustomerId}/customer_entitlements`,
        { limit: ['100'], offset: ['100'] },
      ],
      [
        'GET',
        `/api/v2/customers/${chargebeeDemoLargeCustomerId}/customer_entitlements`,
        { limit: ['100'], offset: ['200'] },
      ],
    ]);
    const featureRequests = simulator.kit.recorded.filter((request) => request.path === '/api/v2/features');
    // 257 catalogue features: three pages, each offset the verbatim next_offset of the page before.
    const catalogue = simulator.store.features;
    expect(featureRequests.map((request) => request.query)).toEqual([
      { limit: ['100'] },
      { limit: ['100'], offset: [JSON.stringify(['100', catalogue[99]?.id])] },
      { limit: ['100'], offset: [JSON.stringify(['200', catalogue[199]?.id])] },
    ]);
    for (const request of simulator.kit.recorded) {
      expect(request.headers['authorization']).toBe(expectedAuthorization);
      expect(request.headers['accept']).toBe('application/json');
    }
    expect(simulator.kit.recorded).toHaveLength(6);

    const normalized = adapter.normalize(snapshot, new Date());
    expect(normalized.entitlements).toHaveLength(250);
    const keys = normalized.entitlements.map((entitlement) => entitlement.featureKey);
    expect(keys).toEqual([...keys].sort());
    expect(normalized.entitlements.every((entitlement) => entitlement.grants.length === 2)).toBe(true);
    // The snapshot keeps only the catalogue entries its rows name.
    expect(snapshot.data.features).toHaveLength(250);
  });

  it("loads Chargebee's documented example customer c1 and maps it: 3 + 10 licences, Chat support, Xero on", async () => {
    const { baseUrl } = await harness();
    const adapter = adapterFor(baseUrl);
    const normalized = adapter.normalize(await load(adapter, 'c1'), new Date());
    expect(
      normalized.entitlements.map((entitlement) => [
        entitlement.featureKey,
        entitlement.type,
        entitlement.value,
        entitlement.hasAccess,
      ]),
    ).toEqual([
      ['support-level', 'enum', 'Chat', true],
      ['user-licenses', 'numeric', '13', true],
      ['xero-integration', 'boolean', true, true],
    ]);
    expect(normalized.changesAt).toBeNull();
  });

  it('asks the catalogue through context.remember, so a warm catalogue costs no call', async () => {
    const { simulator, baseUrl } = await harness();
    const adapter = adapterFor(baseUrl);
    const remember = memoryRemember();
    await load(adapter, 'c1', context(remember));
    await load(adapter, 'cust_acme', context(remember));
    expect(simulator.kit.recorded.filter((request) => request.path === '/api/v2/features')).toHaveLength(3);
    expect([...remember.store.keys()]).toEqual(['catalog:features']);
  });

  it('sends consolidate_entitlements=true after the offset when the connection asks for it', async () => {
    const dataset = mergeChargebeeDatasets(
      createChargebeeDemoDataset(),
      generateChargebeeCustomer('cust_wide', 150),
    );
    const { simulator, baseUrl } = await harness({ dataset });
    const adapter = adapterFor(baseUrl, { consolidateEntitlements: true });
    const snapshot = await load(adapter, 'cust_wide');
    const requests = simulator.kit.recorded.filter((request) =>
      request.path.endsWith('/customer_entitlements'),
    );
    expect(requests.map((request) => request.query)).toEqual([
      { limit: ['100'], consolidate_entitlements: ['true'] },
      { limit: ['100'], offset: ['100'], consolidate_entitlements: ['true'] },
    ]);
    expect(snapshot.data).toMatchObject({ source: 'customer_entitlements', consolidated: true });
    const normalized = adapter.normalize(snapshot, new Date());
    expect(normalized.entitlements).toHaveLength(150);
    expect(normalized.entitlements.every((entitlement) => entitlement.grants.length === 1)).toBe(true);
    expect(normalized.entitlements[0]?.grants[0]).toMatchObject({
      source: 'customer',
      sourceId: 'cust_wide',
    });
  });

  it('encodes the customer id as one path segment', async () => {
    const dataset = createChargebeeDemoDataset();
    dataset.customers.push({ id: 'a/b?c=d#e', created_at: 0 });
    const { simulator, baseUrl } = await harness({ dataset });
    await load(adapterFor(baseUrl), 'a/b?c=d#e');
    const request = simulator.kit.recorded.find((recorded) =>
      recorded.path.endsWith('/customer_entitlements'),
    );
    expect(request?.path).toBe('/api/v2/customers/a%2Fb%3Fc%3Dd%23e/customer_entitlements');
    expect(request?.query).toEqual({ limit: ['100'] });
  });
});

describe('Chargebee adapter: errors', () => {
  it('unknown customer → customer_not_found naming the vendor', async () => {
    const { baseUrl } = await harness();
    const error = await rejection(load(adapterFor(baseUrl), 'cust_missing'));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'customer_not_found', vendor: 'chargebee', status: 404 });
  });

  it('wrong credentials → UpstreamError vendor_auth_failed with the vendor set, and no fallback attempted', async () => {
    const { simulator, baseUrl } = await harness();
    const error = await rejection(load(adapterFor(baseUrl, { apiKey: 'test_wrong' }), 'c1'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_auth_failed', vendor: 'chargebee' });
    expect((error as UpstreamError).failure).toMatchObject({
      vendorStatus: 401,
      vendorCode: 'api_authentication_failed',
    });
    expect((error as UpstreamError).message).not.toContain('test_wrong');
    expect(simulator.kit.recorded.some((request) => request.path === '/api/v2/subscriptions')).toBe(false);
    expect(simulator.kit.recorded[0]?.headers['authorization']).toBe(chargebeeAuthorization('test_wrong'));
  });

  it('a 2xx body that does not fit the wire schema → vendor_bad_response, without the body in the detail', async () => {
    const { simulator, baseUrl } = await harness();
    simulator.kit.inject({
      path: '/api/v2/customers/c1/customer_entitlements',
      fault: {
        kind: 'status',
        status: 200,
        body: '{"list":[{"customer_entitlement":{"feature_id":42,"secret":"s3cr3t"}}]}',
      },
    });
    const error = await rejection(load(adapterFor(baseUrl), 'c1'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'chargebee' });
    expect((error as Error).message).not.toContain('s3cr3t');
  });

  it('a 2xx body that is not JSON → vendor_bad_response', async () => {
    const { simulator, baseUrl } = await harness();
    // The upstream client retries a malformed body once, so the fault stays for every attempt.
    simulator.kit.inject({
      path: '/api/v2/customers/c1/customer_entitlements',
      fault: { kind: 'malformed-json' },
      times: Number.POSITIVE_INFINITY,
    });
    expect(await rejection(load(adapterFor(baseUrl), 'c1'))).toMatchObject({ code: 'vendor_bad_response' });
  });

  it('a next_offset that repeats → vendor_bad_response instead of a loop', async () => {
    const { simulator, baseUrl } = await harness();
    const looping = JSON.stringify({
      list: [
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's1',
            feature_id: 'sso',
            value: 'true',
            is_enabled: true,
          },
        },
      ],
      next_offset: '7',
    });
    simulator.kit.inject({
      path: '/api/v2/customers/c1/customer_entitlements',
      fault: { kind: 'status', status: 200, body: looping },
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejection(load(adapterFor(baseUrl), 'c1'));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'chargebee' });
    const calls = simulator.kit.recorded.filter((request) => request.path.endsWith('/customer_entitlements'));
    expect(calls.map((request) => request.query)).toEqual([
      { limit: ['100'] },
      { limit: ['100'], offset: ['7'] },
    ]);
  });

  it('a bare 404 without resource_not_found (a wrong base URL) is not read as an unknown customer', async () => {
    const { simulator, baseUrl } = await harness();
    simulator.kit.inject({
      path: '/api/v2/customers/c1/customer_entitlements',
      fault: { kind: 'status', status: 404, body: '<html>Not Found</html>' },
    });
    expect(await rejection(load(adapterFor(baseUrl), 'c1'))).toMatchObject({
      code: 'vendor_request_rejected',
      vendor: 'chargebee',
    });
  });

  it('validateCustomerId refuses ids Chargebee cannot have, so no call is made', () => {
    expect(validateChargebeeCustomerId('c1')).toBeNull();
    expect(validateChargebeeCustomerId('x'.repeat(50))).toBeNull();
    expect(validateChargebeeCustomerId('')).toMatch(/1 to 50/);
    expect(validateChargebeeCustomerId('x'.repeat(51))).toMatch(/1 to 50/);
    expect(validateChargebeeCustomerId('..')).not.toBeNull();
    expect(validateChargebeeCustomerId('a\nb')).not.toBeNull();
    expect(validateChargebeeCustomerId('\ud800')).not.toBeNull();
  });
});

describe('Chargebee adapter: fallback when customer_entitlements is disabled', () => {
  it('falls back to subscriptions + subscription_entitlements, and remembers it for the connection', async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    let now = Date.UTC(2030, 0, 1);
    const adapter = adapterFor(baseUrl, {}, { now: () => now });
    const remember = memoryRemember();
    const snapshot = await load(adapter, 'c1', context(remember));
    expect(snapshot.data.source).toBe('subscription_entitlements');

    const calls = simulator.kit.recorded.filter((request) => request.path !== '/api/v2/features');
    expect(calls[0]).toMatchObject({
      path: '/api/v2/customers/c1/customer_entitlements',
      query: { limit: ['100'] },
    });
    expect(calls[1]).toMatchObject({
      path: '/api/v2/subscriptions',
      query: { 'customer_id[is]': ['c1'], 'status[in]': ['["active","non_renewing"]'], limit: ['100'] },
    });
    expect(
      calls
        .slice(2)
        .map((request) => [request.path, request.query])
        .sort(),
    ).toEqual([
      ['/api/v2/subscriptions/s1/subscription_entitlements', { limit: ['100'] }],
      ['/api/v2/subscriptions/s2/subscription_entitlements', { limit: ['100'] }],
    ]);
    expect(calls).toHaveLength(4);

    simulator.kit.reset();
    await load(adapter, 'c1', context(remember));
    expect(simulator.kit.recorded.some((request) => request.path.endsWith('/customer_entitlements'))).toBe(
      false,
    );

    // After the re-check period the endpoint is tried again (Support may have enabled it).
    simulator.store.customerEntitlementsEnabled = true;
    now += FALLBACK_RECHECK_MS;
    simulator.kit.reset();
    const again = await load(adapter, 'c1', context(remember));
    expect(again.data.source).toBe('customer_entitlements');
  });

  it('produces the same normalized result as customer_entitlements for the same data (apart from raw and grant status)', async () => {
    const dataset = createChargebeeDemoDataset();
    const enabled = await harness({ dataset: structuredClone(dataset) });
    const disabled = await harness({ dataset: structuredClone(dataset), customerEntitlementsEnabled: false });
    const viaCustomer = adapterFor(enabled.baseUrl);
    const viaSubscriptions = adapterFor(disabled.baseUrl);
    const at = new Date();
    for (const customerId of ['c1', 'cust_initech', chargebeeDemoLargeCustomerId]) {
      const primary = await load(viaCustomer, customerId);
      const fallback = await load(viaSubscriptions, customerId);
      expect(primary.data.source).toBe('customer_entitlements');
      expect(fallback.data.source).toBe('subscription_entitlements');
      const left = viaCustomer.normalize(primary, at);
      const right = viaSubscriptions.normalize(fallback, at);
      expect(withoutRawAndStatus(right)).toEqual(withoutRawAndStatus(left));
      expect(right.changesAt).toEqual(left.changesAt);
      // The one documented difference: only the fallback knows each subscription's status.
      for (const entitlement of left.entitlements)
        expect(entitlement.grants.every((grant) => grant.status === null)).toBe(true);
      for (const entitlement of right.entitlements)
        expect(entitlement.grants.every((grant) => grant.status === 'active')).toBe(true);
    }
  });

  it("honours an override's expires_at locally: the same snapshot stops granting once it has passed", async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + 3600;
    const row = simulator.store.subscriptionEntitlements.find(
      (candidate) => candidate.subscription_id === 's2' && candidate.feature_id === 'support-level',
    );
    if (!row) throw new Error('fixture changed');
    Object.assign(row, {
      value: 'Calls',
      is_overridden: true,
      expires_at: expiresAt,
      schedule_status: 'activated',
    });

    const adapter = adapterFor(baseUrl, { entitlementSource: 'subscription_entitlements' });
    const snapshot = await load(adapter, 'c1');
    const support = (at: Date) => {
      const normalized = adapter.normalize(snapshot, at);
      return {
        normalized,
        entitlement: normalized.entitlements.find(
          (entitlement) => entitlement.featureKey === 'support-level',
        ),
      };
    };
    const before = support(new Date(now));
    expect(before.entitlement).toMatchObject({ hasAccess: true, value: 'Calls' });
    expect(before.normalized.changesAt).toBe(expiresAt * 1000);
    // After expiry s1's Email is what is left.
    const after = support(new Date(expiresAt * 1000 + 1));
    expect(after.entitlement).toMatchObject({ hasAccess: true, value: 'Email' });
    expect(after.entitlement?.grants.find((grant) => grant.sourceId === 's2')).toMatchObject({
      hasAccess: false,
    });
  });

  it("entitlementSource 'subscription_entitlements' never calls customer_entitlements", async () => {
    const { simulator, baseUrl } = await harness();
    await load(adapterFor(baseUrl, { entitlementSource: 'subscription_entitlements' }), 'c1');
    expect(simulator.kit.recorded.some((request) => request.path.endsWith('/customer_entitlements'))).toBe(
      false,
    );
  });

  it("entitlementSource 'customer_entitlements' does not fall back: the vendor's refusal is the error", async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    const error = await rejection(
      load(adapterFor(baseUrl, { entitlementSource: 'customer_entitlements' }), 'c1'),
    );
    expect(error).toMatchObject({ code: 'vendor_request_rejected', vendor: 'chargebee' });
    expect((error as UpstreamError).failure.vendorCode).toBe('feature_not_enabled');
    expect(simulator.kit.recorded.some((request) => request.path === '/api/v2/subscriptions')).toBe(false);
  });

  it('detects other spellings of "not enabled" (UNCONFIRMED answer) and falls back', async () => {
    const { simulator, baseUrl } = await harness();
    simulator.kit.inject({
      path: '/api/v2/customers/c1/customer_entitlements',
      fault: {
        kind: 'status',
        status: 403,
        body: JSON.stringify({
          message: 'This API has not been enabled for your site',
          api_error_code: 'operation_failed',
        }),
      },
    });
    const snapshot = await load(adapterFor(baseUrl), 'c1');
    expect(snapshot.data.source).toBe('subscription_entitlements');
  });

  it('unknown customer in fallback mode → customer_not_found via GET /customers/{id}', async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    const error = await rejection(load(adapterFor(baseUrl), 'cust_missing'));
    expect(error).toMatchObject({ code: 'customer_not_found', vendor: 'chargebee' });
    expect(simulator.kit.recorded.map((request) => request.path)).toContain('/api/v2/customers/cust_missing');
  });

  it('a known customer with no active subscription → an empty snapshot after one customer lookup', async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    const adapter = adapterFor(baseUrl);
    const snapshot = await load(adapter, 'cust_initech');
    expect(snapshot.data).toMatchObject({ source: 'subscription_entitlements', subscriptions: [] });
    expect(adapter.normalize(snapshot, new Date()).entitlements).toEqual([]);
    expect(
      simulator.kit.recorded.filter((request) => request.path === '/api/v2/customers/cust_initech'),
    ).toHaveLength(1);
  });

  it('re-checks the subscription filters: another customer or a cancelled subscription never contributes', async () => {
    const { simulator, baseUrl } = await harness({ customerEntitlementsEnabled: false });
    // A lenient answer that ignored customer_id[is] and status[in].
    simulator.kit.inject({
      path: '/api/v2/subscriptions',
      fault: {
        kind: 'status',
        status: 200,
        body: JSON.stringify({
          list: [
            { subscription: { id: 's1', customer_id: 'c1', status: 'active' } },
            { subscription: { id: 'sub_acme_platform', customer_id: 'cust_acme', status: 'active' } },
            { subscription: { id: 'sub_initech_old', customer_id: 'c1', status: 'cancelled' } },
          ],
        }),
      },
    });
    const adapter = adapterFor(baseUrl, { entitlementSource: 'subscription_entitlements' });
    const snapshot = await load(adapter, 'c1');
    if (snapshot.data.source !== 'subscription_entitlements') throw new Error('expected the fallback');
    expect(snapshot.data.subscriptions.map((entry) => entry.subscription.id)).toEqual(['s1']);
    expect(
      simulator.kit.recorded
        .filter((request) => request.path.endsWith('/subscription_entitlements'))
        .map((r) => r.path),
    ).toEqual(['/api/v2/subscriptions/s1/subscription_entitlements']);
  });

  it('fetches subscription entitlements concurrently, at most 4 at a time, every page of each', async () => {
    const dataset: ChargebeeDataset = mergeChargebeeDatasets(
      createChargebeeDemoDataset(),
      generateChargebeeCustomer('cust_many_subs', 120, { subscriptionCount: 9, featurePrefix: 'many' }),
    );
    const { simulator, baseUrl } = await harness({ dataset, customerEntitlementsEnabled: false });
    const adapter = adapterFor(baseUrl, { entitlementSource: 'subscription_entitlements' });
    const remember = memoryRemember();
    await load(adapter, 'c1', context(remember));
    simulator.kit.reset();
    simulator.kit.setLatency(25);
    const snapshot = await load(adapter, 'cust_many_subs', context(remember));
    expect(simulator.kit.inFlight.peak).toBe(4);
    if (snapshot.data.source !== 'subscription_entitlements') throw new Error('expected the fallback');
    expect(snapshot.data.subscriptions).toHaveLength(9);
    const rows = snapshot.data.subscriptions.flatMap((entry) => entry.entitlements);
    expect(rows).toHaveLength(9 * 120);
    expect(new Set(rows.map((row) => `${row.subscription_id}/${row.feature_id}`)).size).toBe(9 * 120);
    // 120 rows per subscription at limit 100: two pages each, the second with the verbatim token.
    const pages = simulator.kit.recorded.filter(
      (request) => request.path === '/api/v2/subscriptions/cust_many_subs-sub-1/subscription_entitlements',
    );
    expect(pages.map((request) => request.query)).toEqual([
      { limit: ['100'] },
      { limit: ['100'], offset: ['["100","cust_many_subs-sub-1:many-0100"]'] },
    ]);
  });
});

describe('Chargebee adapter: normalize guards', () => {
  it('refuses a snapshot whose data is not a Chargebee snapshot', () => {
    const adapter = adapterFor('http://127.0.0.1:9/api/v2');
    const bogus = {
      vendor: 'chargebee',
      customerId: 'c1',
      fetchedAt: '',
      evaluatedAt: null,
      data: { rows: [] },
    } as const;
    expect(() => adapter.normalize(bogus as unknown as CustomerSnapshot, new Date())).toThrow(AdapterError);
  });

  it('keeps the customer_entitlement rows untouched in the snapshot (raw)', async () => {
    const { baseUrl } = await harness();
    const adapter = adapterFor(baseUrl);
    const snapshot = await load(adapter, 'c1');
    if (snapshot.data.source !== 'customer_entitlements') throw new Error('expected customer_entitlements');
    const first: ChargebeeCustomerEntitlement | undefined = snapshot.data.rows[0];
    expect(first).toEqual({
      customer_id: 'c1',
      subscription_id: 's1',
      feature_id: 'user-licenses',
      value: '3',
      name: '3 licences',
      is_enabled: true,
      object: 'customer_entitlement',
    });
    const licences = adapter
      .normalize(snapshot, new Date())
      .entitlements.find((entitlement) => entitlement.featureKey === 'user-licenses');
    expect(licences?.raw).toEqual([snapshot.data.rows[0], snapshot.data.rows[2]]);
  });
});

beforeAll(() => {
  // Fail fast if the expected header shape ever diverges from the client's helper.
  expect(chargebeeAuthorization(chargebeeSandboxCredentials.apiKey)).toBe(expectedAuthorization);
});

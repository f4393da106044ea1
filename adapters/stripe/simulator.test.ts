import { describe, expect, it } from 'vitest';
import {
  generateStripeCustomer,
  stripeBigcoFeatureCount,
  stripeDemoCustomers,
  stripeSandboxCredentials,
} from './fixtures';
import { createStripeSimulator } from './simulator';

// The simulator is held to Stripe's documented behaviour, independently of the adapter.

const authorization = `Bearer ${stripeSandboxCredentials.apiKey}`;

function call(
  simulator: ReturnType<typeof createStripeSimulator>,
  pathAndQuery: string,
  headers: Record<string, string> = { authorization },
) {
  return simulator.app.fetch(new Request(`https://api.stripe.test${pathAndQuery}`, { headers }));
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

interface ListBody {
  object: string;
  url: string;
  has_more: boolean;
  data: Array<{ id: string; object: string; feature: unknown; lookup_key: string; livemode: boolean }>;
}

const listPath = (query: string) => `/v1/entitlements/active_entitlements?${query}`;

describe('stripe simulator: active entitlements list', () => {
  it('serves the list envelope with default limit 10 and unexpanded features', async () => {
    const simulator = createStripeSimulator();
    const response = await call(simulator, listPath('customer=cus_demoBigco'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as ListBody;
    expect(body).toMatchObject({
      object: 'list',
      url: '/v1/entitlements/active_entitlements',
      has_more: true,
    });
    expect(body.data).toHaveLength(10);
    expect(body.data[0]).toEqual({
      id: 'ent_demoBigcoF0000',
      object: 'entitlements.active_entitlement',
      feature: 'feat_gen0000',
      livemode: false,
      lookup_key: 'feature-0000',
    });
  });

  it('expands data.feature into the feature object', async () => {
    const simulator = createStripeSimulator();
    const body = (await (
      await call(simulator, listPath('customer=cus_demoAcme&expand[]=data.feature'))
    ).json()) as ListBody;
    expect(body.data.map((row) => row.feature)).toEqual([
      expect.objectContaining({
        id: 'feat_demoSso',
        object: 'entitlements.feature',
        lookup_key: 'sso',
        active: true,
      }),
      expect.objectContaining({ id: 'feat_demoAuditLog', name: 'Audit log' }),
      expect.objectContaining({ id: 'feat_demoApiAccess' }),
      expect.objectContaining({ id: 'feat_demoLegacyReports', active: false }),
    ]);
    // The bracket-encoded and indexed forms are the same parameter.
    const encoded = (await (
      await call(simulator, listPath('customer=cus_demoAcme&expand%5B0%5D=data.feature'))
    ).json()) as ListBody;
    expect(encoded.data[0]?.feature).toMatchObject({ id: 'feat_demoSso' });
  });

  it.each([1, 7, 50, 100])('walks every row exactly once with limit=%i and starting_after', async (limit) => {
    const simulator = createStripeSimulator();
    const ids: string[] = [];
    let startingAfter: string | undefined;
    let pages = 0;
    for (;;) {
      const query = `customer=cus_demoBigco&limit=${limit}${startingAfter ? `&starting_after=${startingAfter}` : ''}`;
      const body = (await (await call(simulator, listPath(query))).json()) as ListBody;
      pages += 1;
      expect(body.data.length).toBeLessThanOrEqual(limit);
      ids.push(...body.data.map((row) => row.id));
      if (!body.has_more) break;
      expect(body.data).toHaveLength(limit);
      startingAfter = body.data.at(-1)?.id;
    }
    expect(ids).toHaveLength(stripeBigcoFeatureCount);
    expect(new Set(ids).size).toBe(stripeBigcoFeatureCount);
    expect(pages).toBe(Math.ceil(stripeBigcoFeatureCount / limit));
  });

  it('ending_before serves the page just before an id', async () => {
    const simulator = createStripeSimulator();
    const body = (await (
      await call(simulator, listPath('customer=cus_demoBigco&limit=3&ending_before=ent_demoBigcoF0005'))
    ).json()) as ListBody;
    expect(body.data.map((row) => row.id)).toEqual([
      'ent_demoBigcoF0002',
      'ent_demoBigcoF0003',
      'ent_demoBigcoF0004',
    ]);
    expect(body.has_more).toBe(true);
  });

  it('a known customer holding nothing is an empty list, not an error', async () => {
    const simulator = createStripeSimulator();
    const body = (await (await call(simulator, listPath('customer=cus_demoNone'))).json()) as ListBody;
    expect(body).toMatchObject({ has_more: false, data: [] });
  });

  it.each([400, 404] as const)(
    'an unknown customer is resource_missing about `customer` (status %i)',
    async (status) => {
      const simulator = createStripeSimulator({ unknownCustomerStatus: status });
      const response = await call(simulator, listPath('customer=cus_nobody'));
      expect(response.status).toBe(status);
      expect(await json(response)).toEqual({
        error: expect.objectContaining({
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'customer',
          message: "No such customer: 'cus_nobody'",
        }),
      });
    },
  );

  it.each([
    ['no customer', 'limit=10', 'parameter_missing', 'customer'],
    [
      'a customer id over 5,000 characters',
      `customer=cus_${'a'.repeat(4_997)}`,
      'string_length_invalid',
      'customer',
    ],
    ['limit 0', 'customer=cus_demoAcme&limit=0', 'parameter_invalid_integer', 'limit'],
    ['limit 101', 'customer=cus_demoAcme&limit=101', 'parameter_invalid_integer', 'limit'],
    ['a non-integer limit', 'customer=cus_demoAcme&limit=ten', 'parameter_invalid_integer', 'limit'],
    [
      'an unknown starting_after',
      'customer=cus_demoAcme&starting_after=ent_gone',
      'resource_missing',
      'starting_after',
    ],
    [
      'both cursors',
      'customer=cus_demoAcme&starting_after=ent_demoAcmeSso&ending_before=ent_demoAcmeSso',
      'parameter_invalid_empty',
      'ending_before',
    ],
    ['an unknown parameter', 'customer=cus_demoAcme&offset=10', 'parameter_unknown', 'offset'],
  ])('answers 400 in Stripe’s error shape for %s', async (_label, query, code, param) => {
    const simulator = createStripeSimulator();
    const response = await call(simulator, listPath(query));
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      error: expect.objectContaining({
        type: 'invalid_request_error',
        code,
        param,
        message: expect.any(String),
      }),
    });
  });

  it('refuses to expand anything but data.feature', async () => {
    const simulator = createStripeSimulator();
    const response = await call(simulator, listPath('customer=cus_demoAcme&expand[]=data.customer'));
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      error: { message: 'This property cannot be expanded (data.customer).' },
    });
  });
});

describe('stripe simulator: authentication and headers', () => {
  it('answers 401 without a key or with a wrong one, never echoing the key in full', async () => {
    const simulator = createStripeSimulator();
    const missing = await call(simulator, listPath('customer=cus_demoAcme'), {});
    expect(missing.status).toBe(401);
    expect(await json(missing)).toMatchObject({ error: { type: 'invalid_request_error' } });
    const wrong = await call(simulator, listPath('customer=cus_demoAcme'), {
      authorization: 'Bearer sk_test_wrongKey12345678',
    });
    expect(wrong.status).toBe(401);
    const text = JSON.stringify(await json(wrong));
    expect(text).toContain('5678');
    expect(text).not.toContain('wrongKey12345678');
  });

  it('accepts the key as a Basic user name, as Stripe does', async () => {
    const simulator = createStripeSimulator();
    const basic = `Basic ${btoa(`${stripeSandboxCredentials.apiKey}:`)}`;
    expect((await call(simulator, listPath('customer=cus_demoAcme'), { authorization: basic })).status).toBe(
      200,
    );
  });

  it('answers 403 to a restricted key without permission', async () => {
    const simulator = createStripeSimulator({ forbiddenKeys: ['rk_test_noPermission'] });
    const response = await call(simulator, listPath('customer=cus_demoAcme'), {
      authorization: 'Bearer rk_test_noPermission',
    });
    expect(response.status).toBe(403);
  });

  it('puts a Request-Id on every answer, errors included, and refuses a malformed Stripe-Version', async () => {
    const simulator = createStripeSimulator();
    const ok = await call(simulator, listPath('customer=cus_demoAcme'));
    const notFound = await call(simulator, listPath('customer=cus_nobody'));
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    expect(notFound.headers.get('request-id')).toMatch(/^req_/);
    expect(notFound.headers.get('request-id')).not.toBe(ok.headers.get('request-id'));
    const badVersion = await call(simulator, listPath('customer=cus_demoAcme'), {
      authorization,
      'stripe-version': 'latest',
    });
    expect(badVersion.status).toBe(400);
    const pinned = await call(simulator, listPath('customer=cus_demoAcme'), {
      authorization,
      'stripe-version': '2024-09-30.acacia',
    });
    expect(pinned.status).toBe(200);
  });

  it('records every request with its query and headers, and serves injected faults first', async () => {
    const simulator = createStripeSimulator();
    simulator.kit.inject({
      fault: {
        kind: 'status',
        status: 429,
        body: '{"error":{"type":"invalid_request_error","code":"rate_limit"}}',
      },
    });
    expect(
      (await call(simulator, listPath('customer=cus_demoAcme&limit=5&expand[]=data.feature'))).status,
    ).toBe(429);
    expect((await call(simulator, listPath('customer=cus_demoAcme'))).status).toBe(200);
    expect(simulator.kit.recorded).toHaveLength(2);
    expect(simulator.kit.recorded[0]).toMatchObject({
      method: 'GET',
      path: '/v1/entitlements/active_entitlements',
      query: { customer: ['cus_demoAcme'], limit: ['5'], 'expand[]': ['data.feature'] },
      headers: expect.objectContaining({ authorization }),
    });
  });
});

describe('stripe simulator: other reads', () => {
  it('retrieves one active entitlement, and 404 resource_missing for an unknown id', async () => {
    const simulator = createStripeSimulator();
    const found = await call(
      simulator,
      '/v1/entitlements/active_entitlements/ent_demoAcmeSso?expand[]=feature',
    );
    expect(await json(found)).toMatchObject({ id: 'ent_demoAcmeSso', feature: { id: 'feat_demoSso' } });
    const missing = await call(simulator, '/v1/entitlements/active_entitlements/ent_gone');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { code: 'resource_missing', param: 'id' } });
  });

  it('lists the feature catalogue, filtered by archived and lookup_key', async () => {
    const simulator = createStripeSimulator();
    const archived = (await json(await call(simulator, '/v1/entitlements/features?archived=true'))) as {
      data: Array<{ id: string }>;
    };
    expect(archived.data.map((feature) => feature.id)).toEqual(['feat_demoLegacyReports']);
    const byKey = (await json(await call(simulator, '/v1/entitlements/features?lookup_key=sso'))) as {
      data: Array<{ id: string }>;
    };
    expect(byKey.data.map((feature) => feature.id)).toEqual(['feat_demoSso']);
  });

  it('answers an unknown path with Stripe’s 404 error shape', async () => {
    const simulator = createStripeSimulator();
    const response = await call(simulator, '/v1/entitlements/nothing_here');
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('stripe simulator: store', () => {
  it('grant and revoke change what the list serves and return the summary event for that customer', async () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const simulator = createStripeSimulator({ now: () => now });
    const granted = simulator.store.grant('cus_demoStarter', 'feat_demoSso');
    expect(granted).toMatchObject({
      object: 'event',
      type: 'entitlements.active_entitlement_summary.updated',
      created: now / 1000,
      data: { object: { object: 'entitlements.active_entitlement_summary', customer: 'cus_demoStarter' } },
    });
    const after = (await (await call(simulator, listPath('customer=cus_demoStarter'))).json()) as ListBody;
    expect(after.data.map((row) => row.lookup_key)).toEqual(['sso', 'api_access']);
    const revoked = simulator.store.revoke('cus_demoStarter', 'api_access');
    expect(revoked.id).not.toBe(granted.id);
    const final = (await (await call(simulator, listPath('customer=cus_demoStarter'))).json()) as ListBody;
    expect(final.data.map((row) => row.lookup_key)).toEqual(['sso']);
  });

  it('copies its seed: changing one simulator leaves the fixtures and other simulators alone', () => {
    const first = createStripeSimulator();
    first.store.grant('cus_demoAcme', 'feat_demoPrioritySupport');
    expect(createStripeSimulator().store.customers.get('cus_demoAcme')).toHaveLength(4);
    expect(
      stripeDemoCustomers.find((customer) => customer.customerId === 'cus_demoAcme')?.entitlements,
    ).toHaveLength(4);
  });

  it('generated customers have distinct entitlement ids and share the generated catalogue', () => {
    const a = generateStripeCustomer('cus_genA', 3);
    const b = generateStripeCustomer('cus_genB', 3);
    expect(a.customer.entitlements.map((entitlement) => entitlement.id)).toEqual([
      'ent_genAF0000',
      'ent_genAF0001',
      'ent_genAF0002',
    ]);
    expect(b.features).toEqual(a.features);
    expect(() => generateStripeCustomer('not-a-customer', 1)).toThrow(RangeError);
  });
});

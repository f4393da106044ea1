import { describe, expect, it } from 'vitest';
import { chargebeeAuthorization } from './client';
import { type ChargebeeDataset, chargebeeSandboxCredentials, createChargebeeDemoDataset } from './fixtures';
import { chargebeeCustomerEntitlementsDisabledBody, createChargebeeSimulator } from './simulator';

const auth = { authorization: chargebeeAuthorization(chargebeeSandboxCredentials.apiKey) };

function get(
  app: { fetch(request: Request): Response | Promise<Response> },
  path: string,
  headers: Record<string, string> = auth,
) {
  return app.fetch(new Request(`http://chargebee.test/api/v2${path}`, { headers }));
}

describe("Chargebee simulator: the documented customer_entitlements example (from Chargebee's API reference)", () => {
  it('answers limit=2 with the three rows of two features and next_offset "2", byte for byte', async () => {
    const { app } = createChargebeeSimulator();
    const response = await get(app, '/customers/c1/customer_entitlements?limit=2');
    expect(response.status).toBe(200);
    const documented = {
      list: [
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's1',
            feature_id: 'user-licenses',
            value: '3',
            name: '3 licences',
            is_enabled: true,
            object: 'customer_entitlement',
          },
        },
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's2',
            feature_id: 'xero-integration',
            value: 'true',
            name: 'Available',
            is_enabled: true,
            object: 'customer_entitlement',
          },
        },
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's2',
            feature_id: 'user-licenses',
            value: '10',
            name: '10 licences',
            is_enabled: true,
            object: 'customer_entitlement',
          },
        },
      ],
      next_offset: '2',
    };
    expect(await response.text()).toBe(JSON.stringify(documented));
  });

  it('answers offset=2 with the two support-level rows and no next_offset', async () => {
    const { app } = createChargebeeSimulator();
    const response = await get(app, '/customers/c1/customer_entitlements?limit=2&offset=2');
    const documented = {
      list: [
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's1',
            feature_id: 'support-level',
            value: 'Email',
            name: 'Email',
            is_enabled: true,
            object: 'customer_entitlement',
          },
        },
        {
          customer_entitlement: {
            customer_id: 'c1',
            subscription_id: 's2',
            feature_id: 'support-level',
            value: 'Chat',
            name: 'Chat',
            is_enabled: true,
            object: 'customer_entitlement',
          },
        },
      ],
    };
    expect(await response.text()).toBe(JSON.stringify(documented));
  });

  it('serves the catalogue features of the example as documented', async () => {
    const { app } = createChargebeeSimulator();
    const body = (await (await get(app, '/features/user-licenses')).json()) as {
      feature: Record<string, unknown>;
    };
    expect(body.feature).toMatchObject({
      id: 'user-licenses',
      name: 'User Licenses',
      type: 'quantity',
      unit: 'licence',
      status: 'active',
      object: 'feature',
    });
    expect(body.feature['levels']).toHaveLength(4);
  });
});

describe('Chargebee simulator: customer_entitlements generalised', () => {
  it('uses limit as a count of features: every row of a feature is on one page, default limit 10', async () => {
    const { app, store } = createChargebeeSimulator();
    const firstPage = (await (await get(app, '/customers/cust_enterprise/customer_entitlements')).json()) as {
      list: Array<{ customer_entitlement: { feature_id: string } }>;
      next_offset?: string;
    };
    const features = new Set(firstPage.list.map((entry) => entry.customer_entitlement.feature_id));
    expect(features.size).toBe(10);
    // Two active subscriptions: both rows of each of the 10 features.
    expect(firstPage.list).toHaveLength(20);
    expect(firstPage.next_offset).toBe('10');
    const total = store.subscriptionEntitlements.filter((row) =>
      row.subscription_id.startsWith('cust_enterprise'),
    ).length;
    expect(total).toBe(500);
  });

  it('counts only active and non_renewing subscriptions', async () => {
    const { app } = createChargebeeSimulator();
    const initech = (await (await get(app, '/customers/cust_initech/customer_entitlements')).json()) as {
      list: unknown[];
      next_offset?: string;
    };
    expect(initech).toEqual({ list: [] });
    const acme = (await (await get(app, '/customers/cust_acme/customer_entitlements?limit=100')).json()) as {
      list: Array<{ customer_entitlement: { subscription_id: string } }>;
    };
    expect(new Set(acme.list.map((entry) => entry.customer_entitlement.subscription_id))).toEqual(
      new Set(['sub_acme_platform', 'sub_acme_addons']),
    );
  });

  it('leaves out a scheduled override not yet in effect, and serves it once its effective_from has passed', async () => {
    let now = Date.UTC(2030, 0, 1);
    const { app } = createChargebeeSimulator({ now: () => now });
    const features = async () =>
      (
        (await (await get(app, '/customers/cust_globex/customer_entitlements?limit=100')).json()) as {
          list: Array<{ customer_entitlement: { feature_id: string } }>;
        }
      ).list.map((entry) => entry.customer_entitlement.feature_id);
    expect(await features()).not.toContain('storage');
    now = Date.UTC(2099, 0, 2);
    expect(await features()).toContain('storage');
  });

  it('consolidates to one row per feature without subscription_id, merging by type', async () => {
    const { app } = createChargebeeSimulator();
    const body = (await (
      await get(app, '/customers/c1/customer_entitlements?limit=100&consolidate_entitlements=true')
    ).json()) as { list: Array<{ customer_entitlement: Record<string, unknown> }> };
    expect(body.list.map((entry) => entry.customer_entitlement)).toEqual([
      {
        customer_id: 'c1',
        feature_id: 'user-licenses',
        value: '13',
        name: '13 licences',
        is_enabled: true,
        object: 'customer_entitlement',
      },
      {
        customer_id: 'c1',
        feature_id: 'xero-integration',
        value: 'true',
        name: 'Available',
        is_enabled: true,
        object: 'customer_entitlement',
      },
      {
        customer_id: 'c1',
        feature_id: 'support-level',
        value: 'Chat',
        name: 'Chat',
        is_enabled: true,
        object: 'customer_entitlement',
      },
    ]);
    const acme = (await (
      await get(app, '/customers/cust_acme/customer_entitlements?limit=100&consolidate_entitlements=true')
    ).json()) as { list: Array<{ customer_entitlement: { feature_id: string; value: string } }> };
    const values = Object.fromEntries(
      acme.list.map((entry) => [entry.customer_entitlement.feature_id, entry.customer_entitlement.value]),
    );
    expect(values).toMatchObject({ storage: 'Unlimited', 'user-licenses': '35', 'api-calls': '7000' });
  });

  it('answers 404 resource_not_found for an unknown customer', async () => {
    const { app } = createChargebeeSimulator();
    const response = await get(app, '/customers/nobody/customer_entitlements');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      api_error_code: 'resource_not_found',
      type: 'invalid_request',
    });
  });

  it('answers 400 feature_not_enabled when the site has the endpoint disabled', async () => {
    const { app } = createChargebeeSimulator({ customerEntitlementsEnabled: false });
    const response = await get(app, '/customers/c1/customer_entitlements');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(chargebeeCustomerEntitlementsDisabledBody);
  });

  it('rejects a limit outside 1–100 and an offset it never issued with 400 param_wrong_value', async () => {
    const { app } = createChargebeeSimulator();
    for (const query of ['limit=0', 'limit=101', 'limit=ten', 'offset=abc']) {
      const response = await get(app, `/customers/c1/customer_entitlements?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({
        api_error_code: 'param_wrong_value',
        type: 'invalid_request',
      });
    }
  });
});

describe('Chargebee simulator: auth', () => {
  it('answers 401 api_authentication_failed without credentials or with a wrong key, and accepts any password', async () => {
    const { app } = createChargebeeSimulator();
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: chargebeeAuthorization('wrong_key') },
      { authorization: `Bearer ${chargebeeSandboxCredentials.apiKey}` },
    ];
    for (const headers of variants) {
      const response = await get(app, '/customers/c1', headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ api_error_code: 'api_authentication_failed' });
    }
    const withPassword = await get(app, '/customers/c1', {
      authorization: `Basic ${btoa(`${chargebeeSandboxCredentials.apiKey}:ignored`)}`,
    });
    expect(withPassword.status).toBe(200);
  });
});

describe('Chargebee simulator: the other lists', () => {
  it('pages subscriptions with opaque next_offset tokens and applies customer_id[is] and status[in]', async () => {
    const dataset: ChargebeeDataset = createChargebeeDemoDataset();
    dataset.subscriptions.push(
      ...Array.from({ length: 5 }, (_, index) => ({
        id: `sub_many_${index}`,
        customer_id: 'cust_acme',
        status: index % 2 === 0 ? ('active' as const) : ('cancelled' as const),
        created_at: 1_700_000_000 + index,
      })),
    );
    const { app } = createChargebeeSimulator({ dataset });
    const filter = `customer_id[is]=cust_acme&status[in]=${encodeURIComponent('["active","non_renewing"]')}`;
    const first = (await (await get(app, `/subscriptions?${filter}&limit=2`)).json()) as {
      list: Array<{ subscription: { id: string; status: string }; customer: { id: string } }>;
      next_offset: string;
    };
    expect(first.list.map((entry) => entry.subscription.id)).toEqual([
      'sub_acme_platform',
      'sub_acme_addons',
    ]);
    expect(first.list[0]?.customer.id).toBe('cust_acme');
    expect(first.next_offset).toBe('["2","sub_acme_addons"]');
    const second = (await (
      await get(app, `/subscriptions?${filter}&limit=2&offset=${encodeURIComponent(first.next_offset)}`)
    ).json()) as { list: Array<{ subscription: { id: string } }>; next_offset?: string };
    expect(second.list.map((entry) => entry.subscription.id)).toEqual(['sub_many_0', 'sub_many_2']);
    const third = (await (
      await get(
        app,
        `/subscriptions?${filter}&limit=2&offset=${encodeURIComponent(second.next_offset ?? '')}`,
      )
    ).json()) as { list: Array<{ subscription: { id: string } }>; next_offset?: string };
    expect(third.list.map((entry) => entry.subscription.id)).toEqual(['sub_many_4']);
    expect(third).not.toHaveProperty('next_offset');
    // The docs' bare spelling of an `in` filter works too.
    const bare = (await (
      await get(app, '/subscriptions?customer_id[is]=cust_initech&status[in]=[in_trial]')
    ).json()) as {
      list: Array<{ subscription: { id: string } }>;
    };
    expect(bare.list.map((entry) => entry.subscription.id)).toEqual(['sub_initech_trial']);
  });

  it('serves subscription_entitlements with the catalogue fields and the override dates', async () => {
    const { app } = createChargebeeSimulator();
    const body = (await (
      await get(app, '/subscriptions/sub_globex/subscription_entitlements?limit=100')
    ).json()) as {
      list: Array<{ subscription_entitlement: Record<string, unknown> }>;
    };
    const support = body.list.find(
      (entry) => entry.subscription_entitlement['feature_id'] === 'support-level',
    );
    expect(support?.subscription_entitlement).toEqual({
      subscription_id: 'sub_globex',
      feature_id: 'support-level',
      feature_name: 'Support Level',
      feature_type: 'custom',
      value: 'Calls',
      name: 'Calls',
      is_overridden: true,
      is_enabled: true,
      expires_at: 1_704_067_200,
      schedule_status: 'activated',
      object: 'subscription_entitlement',
    });
    const missing = await get(app, '/subscriptions/sub_nope/subscription_entitlements');
    expect(missing.status).toBe(404);
  });

  it('retrieves a subscription with its customer', async () => {
    const { app } = createChargebeeSimulator();
    const body = (await (await get(app, '/subscriptions/s2')).json()) as {
      subscription: { id: string; customer_id: string; status: string };
      customer: { id: string };
    };
    expect(body.subscription).toMatchObject({ id: 's2', customer_id: 'c1', status: 'active' });
    expect(body.customer.id).toBe('c1');
  });

  it('records requests and serves injected faults through the shared kit', async () => {
    const { app, kit } = createChargebeeSimulator();
    kit.inject({ path: '/api/v2/features', fault: { kind: 'status', status: 503, body: 'upstream down' } });
    expect((await get(app, '/features')).status).toBe(503);
    expect((await get(app, '/features')).status).toBe(200);
    expect(kit.recorded.map((request) => request.path)).toEqual(['/api/v2/features', '/api/v2/features']);
  });
});

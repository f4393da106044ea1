import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_RECHECK_MS } from '../../../../adapters/chargebee/adapter';
import {
  type ChargebeeDataset,
  chargebeeDemoLargeCustomerId,
  chargebeeSandboxCredentials,
  createChargebeeDemoDataset,
} from '../../../../adapters/chargebee/fixtures';
import { CheckResultSchema } from '../../../../schemas/check';
import type { Entitlement } from '../../../../schemas/entitlement';
import { EntitlementListSchema } from '../../../../schemas/page';
import { ProblemSchema } from '../../../../schemas/problem';
import { type DepthStack, startDepthStack } from '../../../support/depth-stack';
import { createTestClock } from '../../../support/gateway';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * Chargebee sites with `customer_entitlements` disabled (the default until Chargebee Support enables
 * it), through the gateway: the fallback over subscriptions gives the same normalized answer, is
 * remembered per connection, and honours override expiry locally, between vendor calls.
 */

const CUSTOMER_ENTITLEMENTS = /\/customers\/[^/]+\/customer_entitlements$/;

/** Every entitlement of a customer, following the gateway's cursors. */
async function listAll(stack: DepthStack, tenant: string, customerId: string): Promise<Entitlement[]> {
  const all: Entitlement[] = [];
  let cursor: string | null = null;
  do {
    const response = await stack.get(
      tenant,
      `/v1/customers/${encodeURIComponent(customerId)}/entitlements?vendor=chargebee&limit=100${
        cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`
      }`,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const page = EntitlementListSchema.parse(response.body);
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/**
 * What only the fallback can know is left out: each grant's subscription status always, and (with
 * `windows: false`) the validity windows, which only subscription_entitlements rows carry.
 */
function comparable(entitlements: Entitlement[], options: { windows: boolean }) {
  return entitlements.map(({ activeFrom, activeTo, grants, ...entitlement }) => ({
    ...entitlement,
    ...(options.windows ? { activeFrom, activeTo } : {}),
    grants: grants.map(({ status: _status, activeFrom: from, activeTo: to, ...grant }) =>
      options.windows ? { ...grant, activeFrom: from, activeTo: to } : grant,
    ),
  }));
}

function customerEntitlementCalls(stack: DepthStack) {
  return stack.simulators.chargebee.kit.recorded.filter((request) =>
    CUSTOMER_ENTITLEMENTS.test(request.path),
  );
}

describe('Chargebee without customer_entitlements, through the gateway', () => {
  const dataset: ChargebeeDataset = createChargebeeDemoDataset();
  const clock = createTestClock();
  let enabled: DepthStack;
  let disabled: DepthStack;

  beforeAll(async () => {
    [enabled, disabled] = await Promise.all([
      startDepthStack({
        tenants: [{ name: 'site', vendors: ['chargebee'] }],
        chargebee: { dataset: structuredClone(dataset) },
      }),
      startDepthStack({
        tenants: [
          { name: 'site', vendors: ['chargebee'] },
          { name: 'other', vendors: ['chargebee'] },
        ],
        chargebee: { dataset: structuredClone(dataset), customerEntitlementsEnabled: false },
        clock,
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([enabled?.close(), disabled?.close()]);
  });

  it('gives the same normalized answer as a site with it enabled, for the same data', async () => {
    // c1: the documented example (sums, highest level, switch); cust_initech: only trial/cancelled
    // subscriptions; the large customer: 250 features over several pages, disabled rows, unlimited.
    for (const customerId of ['c1', 'cust_initech', chargebeeDemoLargeCustomerId]) {
      const viaCustomerEntitlements = await listAll(enabled, 'site', customerId);
      const viaSubscriptions = await listAll(disabled, 'site', customerId);
      expect(viaSubscriptions.length, customerId).toBe(viaCustomerEntitlements.length);
      expect(comparable(viaSubscriptions, { windows: true })).toEqual(
        comparable(viaCustomerEntitlements, { windows: true }),
      );
      // The one documented difference: only the fallback knows each grant's subscription status.
      for (const entitlement of viaSubscriptions)
        for (const grant of entitlement.grants) expect(['active', 'non_renewing']).toContain(grant.status);
      for (const entitlement of viaCustomerEntitlements)
        for (const grant of entitlement.grants) expect(grant.status).toBeNull();
    }
    expect((await listAll(enabled, 'site', chargebeeDemoLargeCustomerId)).length).toBeGreaterThan(100);

    // cust_acme holds an override that expires in 2099 (and wins data-retention): only the fallback
    // sees its date, so windows differ; access, values, limits and reasons are the same.
    expect(comparable(await listAll(disabled, 'site', 'cust_acme'), { windows: false })).toEqual(
      comparable(await listAll(enabled, 'site', 'cust_acme'), { windows: false }),
    );

    // Checks agree too, including a quantity check past the summed limit and an unknown feature.
    for (const [customerId, featureKey, requestedUsage] of [
      ['c1', 'user-licenses', 13],
      ['c1', 'user-licenses', 14],
      ['c1', 'support-level', undefined],
      ['cust_acme', 'storage', 1_000_000],
      ['c1', 'no-such-feature', undefined],
    ] as const) {
      const query = `vendor=chargebee${requestedUsage === undefined ? '' : `&requestedUsage=${requestedUsage}`}`;
      const path = `/v1/customers/${customerId}/entitlements/${featureKey}?${query}`;
      const [left, right] = await Promise.all([enabled.get('site', path), disabled.get('site', path)]);
      expect(right.status).toBe(200);
      const a = CheckResultSchema.parse(left.body);
      const b = CheckResultSchema.parse(right.body);
      expect({ ...b, entitlement: null }).toEqual({ ...a, entitlement: null });
    }

    // An unknown customer is a 404 either way (the fallback asks GET /customers/{id} to tell).
    const [left, right] = await Promise.all([
      enabled.get('site', '/v1/customers/nobody/entitlements?vendor=chargebee'),
      disabled.get('site', '/v1/customers/nobody/entitlements?vendor=chargebee'),
    ]);
    expect([left.status, right.status]).toEqual([404, 404]);
    expect(ProblemSchema.parse(right.body).code).toBe('customer_not_found');
  });

  it('remembers the fallback per connection: later loads skip customer_entitlements, another connection tries', async () => {
    const site = disabled;
    // The connection learns on its first load (a no-op if an earlier test taught it already) …
    expect((await site.get('site', '/v1/customers/c1/entitlements?vendor=chargebee')).status).toBe(200);
    site.resetRecordings();
    // … and another customer is then a fresh load that goes straight to the fallback.
    await listAll(site, 'site', 'cust_globex');
    expect(customerEntitlementCalls(site)).toHaveLength(0);
    expect(site.simulators.chargebee.kit.recorded.map((request) => request.path)).toEqual(
      expect.arrayContaining([
        '/api/v2/subscriptions',
        '/api/v2/subscriptions/sub_globex/subscription_entitlements',
      ]),
    );
    // A reload forced by the client also stays on the fallback.
    site.resetRecordings();
    const forced = await site.get('site', '/v1/customers/c1/entitlements?vendor=chargebee', {
      'cache-control': 'no-cache',
    });
    expect(forced.status).toBe(200);
    expect(site.simulators.chargebee.kit.recorded.length).toBeGreaterThan(0);
    expect(customerEntitlementCalls(site)).toHaveLength(0);

    // Another tenant's connection to the same site has not learnt it yet: it asks once, then falls back.
    site.resetRecordings();
    expect((await site.get('other', '/v1/customers/c1/entitlements?vendor=chargebee')).status).toBe(200);
    expect(customerEntitlementCalls(site)).toHaveLength(1);
    site.resetRecordings();
    expect((await site.get('other', '/v1/customers/cust_acme/entitlements?vendor=chargebee')).status).toBe(
      200,
    );
    expect(customerEntitlementCalls(site)).toHaveLength(0);
  });

  it('tries customer_entitlements again after the re-check period, and switches once Support enabled it', async () => {
    const site = disabled;
    // Learnt while disabled (a no-op if an earlier test taught it already); then Support enables it.
    await site.get('site', '/v1/customers/c1/entitlements?vendor=chargebee', { 'cache-control': 'no-cache' });
    site.simulators.chargebee.store.customerEntitlementsEnabled = true;
    site.resetRecordings();
    await site.get('site', '/v1/customers/cust_acme/entitlements?vendor=chargebee', {
      'cache-control': 'no-cache',
    });
    expect(customerEntitlementCalls(site)).toHaveLength(0);

    clock.advance(FALLBACK_RECHECK_MS);
    site.resetRecordings();
    const response = await site.get(
      'site',
      '/v1/customers/cust_acme/entitlements?vendor=chargebee&include=raw',
      {
        'cache-control': 'no-cache',
      },
    );
    expect(response.status).toBe(200);
    const calls = customerEntitlementCalls(site);
    expect(calls).toHaveLength(1);
    expect(
      site.simulators.chargebee.kit.recorded.some((request) => request.path === '/api/v2/subscriptions'),
    ).toBe(false);
    // The raw rows are customer_entitlement objects again.
    const raw = EntitlementListSchema.parse(response.body).data.flatMap(
      (entitlement) => entitlement.raw ?? [],
    );
    expect(raw.every((row) => (row as { object?: string }).object === 'customer_entitlement')).toBe(true);
  });
});

describe('Chargebee override expiry, honoured by the gateway between vendor calls', () => {
  const clock = createTestClock(Date.UTC(2030, 5, 1, 12));
  const expiresAt = Math.floor(clock.now() / 1000) + 30 * 60;
  let stack: DepthStack;

  beforeAll(async () => {
    const dataset = createChargebeeDemoDataset();
    // c1 (subscriptions s1, s2) gets two overrides expiring in 30 minutes: SSO, which nothing else
    // grants, and 40 licences on s2 instead of its 10.
    dataset.subscriptionEntitlements.push({
      subscription_id: 's1',
      feature_id: 'sso',
      value: 'true',
      is_enabled: true,
      is_overridden: true,
      expires_at: expiresAt,
      schedule_status: 'activated',
    });
    const licences = dataset.subscriptionEntitlements.find(
      (row) => row.subscription_id === 's2' && row.feature_id === 'user-licenses',
    );
    if (!licences) throw new Error('the demo dataset changed: s2 has no user-licenses row');
    Object.assign(licences, {
      value: '40',
      is_overridden: true,
      expires_at: expiresAt,
      schedule_status: 'activated',
    });
    stack = await startDepthStack({
      tenants: [{ name: 'site', vendors: ['chargebee'] }],
      chargebee: { dataset, customerEntitlementsEnabled: false, now: () => clock.now() },
      // Long freshness: the answer must change at expires_at without any reload.
      env: { CACHE_TTL_SECONDS: '86400' },
      clock,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function check(featureKey: string, requestedUsage?: number) {
    const query = requestedUsage === undefined ? '' : `&requestedUsage=${requestedUsage}`;
    const response = await stack.get(
      'site',
      `/v1/customers/c1/entitlements/${featureKey}?vendor=chargebee${query}`,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return CheckResultSchema.parse(response.body);
  }

  it('grants before expires_at and stops granting at expires_at, with no vendor call and no vendor change', async () => {
    expect(await check('sso')).toMatchObject({ hasAccess: true, reason: null });
    const before = await check('user-licenses', 20);
    expect(before).toMatchObject({ hasAccess: true, limit: 43, value: '43' });
    expect(before.entitlement?.activeTo).toBeNull();

    stack.resetRecordings();
    clock.advance(expiresAt * 1000 - 1 - clock.now());
    expect(await check('sso')).toMatchObject({ hasAccess: true });

    clock.advance(1);
    expect(await check('sso')).toMatchObject({ hasAccess: false, reason: 'expired' });
    const after = await check('user-licenses', 20);
    // s1's 3 licences are what is left.
    expect(after).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', limit: 3, value: '3' });
    const list = EntitlementListSchema.parse(
      (await stack.get('site', '/v1/customers/c1/entitlements?vendor=chargebee&featureKey=sso')).body,
    );
    expect(list.data[0]).toMatchObject({
      featureKey: 'sso',
      hasAccess: false,
      reason: 'expired',
      activeTo: new Date(expiresAt * 1000).toISOString(),
    });

    // Everything above came from the snapshot loaded before expiry.
    expect(stack.simulators.chargebee.kit.recorded).toHaveLength(0);
    // And Chargebee still lists the expired override (its clean-up lags by hours).
    const direct = await stack.simulators.chargebee.app.request(
      '/api/v2/subscriptions/s1/subscription_entitlements?limit=100',
      {
        headers: { authorization: `Basic ${btoa(`${chargebeeSandboxCredentials.apiKey}:`)}` },
      },
    );
    const served = (
      (await direct.json()) as {
        list: Array<{ subscription_entitlement: { feature_id: string; expires_at?: number } }>;
      }
    ).list;
    expect(
      served.some(
        (entry) =>
          entry.subscription_entitlement.feature_id === 'sso' &&
          entry.subscription_entitlement.expires_at === expiresAt,
      ),
    ).toBe(true);
  });
});

describe('CHARGEBEE_CONSOLIDATE_ENTITLEMENTS', () => {
  it('=true sends consolidate_entitlements=true on every page and gives the same entitlement-level answer', async () => {
    const consolidated = await startVendorStack({ env: { CHARGEBEE_CONSOLIDATE_ENTITLEMENTS: 'true' } });
    const plain = await startVendorStack();
    try {
      const read = async (stack: typeof plain) => {
        const all: Entitlement[] = [];
        let cursor: string | null = null;
        do {
          const response = await stack.app.request(
            `/v1/customers/${chargebeeDemoLargeCustomerId}/entitlements?vendor=chargebee&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
            { headers: { authorization: `Bearer ${stack.env['GATEWAY_API_KEYS']}` } },
          );
          expect(response.status).toBe(200);
          const page = EntitlementListSchema.parse(await response.json());
          all.push(...page.data);
          cursor = page.nextCursor;
        } while (cursor !== null);
        return all;
      };
      const merged = await read(consolidated);
      const perSubscription = await read(plain);

      const pages = consolidated.simulators.chargebee.kit.recorded.filter((request) =>
        CUSTOMER_ENTITLEMENTS.test(request.path),
      );
      expect(pages.length).toBeGreaterThan(1);
      for (const request of pages) expect(request.query['consolidate_entitlements']).toEqual(['true']);
      const plainPages = plain.simulators.chargebee.kit.recorded.filter((request) =>
        CUSTOMER_ENTITLEMENTS.test(request.path),
      );
      for (const request of plainPages) expect(request.query['consolidate_entitlements']).toBeUndefined();

      // One customer-level grant per feature instead of one per subscription …
      for (const entitlement of merged) {
        expect(entitlement.grants).toHaveLength(1);
        expect(entitlement.grants[0]).toMatchObject({
          source: 'customer',
          sourceId: chargebeeDemoLargeCustomerId,
        });
      }
      expect(perSubscription.some((entitlement) => entitlement.grants.length > 1)).toBe(true);
      // … and the same answer per feature, since Chargebee merges by the rules the gateway applies.
      const headline = (entitlements: Entitlement[]) =>
        entitlements.map(({ grants: _grants, raw: _raw, ...rest }) => rest);
      expect(headline(merged)).toEqual(headline(perSubscription));
    } finally {
      await Promise.all([consolidated.close(), plain.close()]);
    }
  });
});

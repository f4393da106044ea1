import { describe, expect, it, vi } from 'vitest';
import type { SimulatorKit } from '../../../../adapters/simulator-kit';
import { zenskarDemoCustomerIds } from '../../../../adapters/zenskar/fixtures';
import type { VendorId } from '../../../../schemas/entitlement';
import { ProblemSchema } from '../../../../schemas/problem';
import { RefreshResultSchema } from '../../../../schemas/refresh';
import {
  parseCacheStatus,
  requestsTo,
  type Simulators,
  useRouteCacheScope,
} from '../../../support/route-cache-fixture';

/**
 * `Cache-Status` / `Age` on every entitlement route, per-vendor TTLs from config, the client's
 * `Cache-Control: no-cache`, and `POST /v1/customers/{id}/entitlements/refresh` seen from a second
 * instance. The header values are the ones documented in src/routes/cache-headers.ts.
 */

// Per-vendor TTLs differ on purpose, so each vendor's `ttl=` proves its own setting is applied.
const ENV = {
  CACHE_TTL_SECONDS: '120',
  CACHE_STALE_SECONDS: '600',
  CHARGEBEE_CACHE_TTL_SECONDS: '90',
  ZENSKAR_CACHE_TTL_SECONDS: '60',
  PAYGENTIC_CACHE_TTL_SECONDS: '30',
  UPSTREAM_MAX_ATTEMPTS: '1',
};
const NAME = 'entitlements-gateway';

const cases: Array<{
  vendor: VendorId;
  customerId: string;
  featureKey: string;
  ttlSeconds: number;
  kit: (simulators: Simulators) => SimulatorKit;
  /** The path of the vendor listing that holds the customer's rows. */
  rowsPath: string;
}> = [
  {
    vendor: 'chargebee',
    customerId: 'c1',
    featureKey: 'user-licenses',
    ttlSeconds: 90,
    kit: (s) => s.simulators.chargebee.kit,
    rowsPath: '/api/v2/customers/c1/customer_entitlements',
  },
  {
    vendor: 'zenskar',
    customerId: zenskarDemoCustomerIds.acme,
    featureKey: 'sso',
    ttlSeconds: 60,
    kit: (s) => s.simulators.zenskar.kit,
    rowsPath: `/entitlements/customer/${zenskarDemoCustomerIds.acme}`,
  },
  {
    vendor: 'paygentic',
    customerId: 'cus_demoAcme',
    featureKey: 'sso_enabled',
    ttlSeconds: 30,
    kit: (s) => s.simulators.paygentic.kit,
    rowsPath: '/v1/entitlements',
  },
];

const scope = useRouteCacheScope('cache-headers', { env: ENV });

describe.each(cases)(
  '$vendor: Cache-Status and Age',
  ({ vendor, customerId, featureKey, ttlSeconds, kit: kitOf, rowsPath }) => {
    const list = `/v1/customers/${customerId}/entitlements?vendor=${vendor}`;
    const check = `/v1/customers/${customerId}/entitlements/${featureKey}?vendor=${vendor}`;

    it('a second identical request makes zero vendor calls; Age grows with the clock and ttl shrinks, on list, check and batch', async () => {
      const a = await scope.gateway();
      const kit = kitOf(scope.simulators);

      const first = await a.get(list);
      expect(first.status).toBe(200);
      expect(first.response.headers.get('cache-status')).toBe(`${NAME}; fwd=miss; stored`);
      expect(first.response.headers.get('age')).toBe('0');
      expect(requestsTo(kit, rowsPath)).toHaveLength(1);
      kit.reset();

      const second = await a.get(list);
      expect(second.body).toEqual(first.body);
      expect(second.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds}; detail=memory`,
      );
      expect(second.response.headers.get('age')).toBe('0');

      scope.clock.advance(7000);
      const later = await a.get(list);
      expect(later.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds - 7}; detail=memory`,
      );
      expect(later.response.headers.get('age')).toBe('7');

      const single = await a.get(check);
      expect(single.status).toBe(200);
      expect(single.body).toMatchObject({ object: 'entitlement_check', featureKey, vendor });
      expect(single.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds - 7}; detail=memory`,
      );
      expect(single.response.headers.get('age')).toBe('7');

      const batch = await a.postAuthorized(
        '/v1/check',
        JSON.stringify({
          checks: [
            { customerId, vendor, featureKey },
            { customerId, vendor, featureKey: 'no-such-feature' },
          ],
        }),
      );
      expect(batch.status).toBe(200);
      expect(batch.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds - 7}; detail=memory`,
      );
      expect(batch.response.headers.get('age')).toBe('7');

      expect(kit.recorded).toHaveLength(0);

      // One second past the vendor's TTL: stale, refreshed in the background.
      scope.clock.advance((ttlSeconds - 7 + 1) * 1000);
      const stale = await a.get(list);
      expect(stale.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=-1; detail=stale-while-revalidate`,
      );
      expect(stale.response.headers.get('age')).toBe(String(ttlSeconds + 1));
      await a.background.drain();
      expect(requestsTo(kit, rowsPath)).toHaveLength(1);
    });

    it('Cache-Control: no-cache forces a reload (fwd=request), which is stored for everyone after', async () => {
      const a = await scope.gateway();
      const b = await scope.gateway();
      const kit = kitOf(scope.simulators);
      await a.get(list);
      scope.clock.advance(5000);
      kit.reset();

      const forced = await a.get(list, { 'cache-control': 'no-cache' });
      expect(forced.status).toBe(200);
      expect(forced.response.headers.get('cache-status')).toBe(`${NAME}; fwd=request; stored`);
      expect(forced.response.headers.get('age')).toBe('0');
      expect(requestsTo(kit, rowsPath)).toHaveLength(1);
      expect((await scope.redis.entry(vendor, 'snapshot', customerId))?.storedAt).toBe(scope.clock.now());

      // `no-cache` among other directives counts too.
      const forcedAgain = await a.get(list, { 'cache-control': 'max-age=0, no-cache' });
      expect(forcedAgain.response.headers.get('cache-status')).toBe(`${NAME}; fwd=request; stored`);
      expect(requestsTo(kit, rowsPath)).toHaveLength(2);

      kit.reset();
      const after = await a.get(list);
      const elsewhere = await b.get(list);
      expect(after.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds}; detail=memory`,
      );
      expect(elsewhere.response.headers.get('cache-status')).toBe(
        `${NAME}; hit; ttl=${ttlSeconds}; detail=redis`,
      );
      expect(kit.recorded).toHaveLength(0);
    });
  },
);

describe('POST /v1/customers/{id}/entitlements/refresh (chargebee)', () => {
  const list = '/v1/customers/c1/entitlements?vendor=chargebee';
  const refresh = '/v1/customers/c1/entitlements/refresh?vendor=chargebee';
  const rowsPath = '/api/v2/customers/c1/customer_entitlements';

  function userLicenses(body: { data?: Array<Record<string, unknown>> }): unknown {
    return body.data?.find((entitlement) => entitlement['featureKey'] === 'user-licenses')?.['limit'];
  }

  it('drops every tier and reloads; the other instance hears of it and serves the new data without waiting for its memory trust window', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    const kit = scope.simulators.simulators.chargebee.kit;
    expect(userLicenses((await a.get(list)).body)).toBe(13);
    expect(parseCacheStatus((await b.get(list)).response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'redis',
    });
    const row = scope.simulators.simulators.chargebee.store.subscriptionEntitlements.find(
      (candidate) => candidate.subscription_id === 's1' && candidate.feature_id === 'user-licenses',
    );
    if (!row) throw new Error('demo data changed');
    row.value = '30';
    scope.clock.advance(1000);
    kit.reset();

    const refreshed = await a.postAuthorized(refresh);

    expect(refreshed.status).toBe(200);
    const result = RefreshResultSchema.parse(refreshed.body);
    expect(result).toMatchObject({
      vendor: 'chargebee',
      customerId: 'c1',
      fetchedAt: new Date(scope.clock.now()).toISOString(),
    });
    expect(requestsTo(kit, rowsPath)).toHaveLength(1);
    expect((await scope.redis.entry('chargebee', 'snapshot', 'c1'))?.storedAt).toBe(scope.clock.now());

    kit.reset();
    const here = await a.get(list);
    expect(userLicenses(here.body)).toBe(40);
    expect(here.body['totalCount']).toBe(result.entitlementCount);
    expect(here.response.headers.get('cache-status')).toBe(`${NAME}; hit; ttl=90; detail=memory`);

    // B hears of the refresh through the invalidation bus (Redis pub/sub) and drops its memory copy
    // without waiting for its memory trust window (the backstop when a message is lost, covered in
    // test/integration/cache/tiered-cache.redis.test.ts): the clock does not move here.
    await vi.waitFor(async () => expect(userLicenses((await b.get(list)).body)).toBe(40), {
      timeout: 5000,
      interval: 5,
    });
    expect(kit.recorded).toHaveLength(0);
  });

  it('clears a cached "customer not found" at once', async () => {
    const a = await scope.gateway();
    const kit = scope.simulators.simulators.chargebee.kit;
    expect((await a.get('/v1/customers/cust_late/entitlements?vendor=chargebee')).status).toBe(404);
    const store = scope.simulators.simulators.chargebee.store;
    store.customers.push({ id: 'cust_late', created_at: 1_700_000_000 });
    store.subscriptions.push({
      id: 'sub_late',
      customer_id: 'cust_late',
      status: 'active',
      created_at: 1_700_000_000,
    });
    store.subscriptionEntitlements.push({
      subscription_id: 'sub_late',
      feature_id: 'sso',
      value: 'true',
      is_enabled: true,
      is_overridden: false,
    });
    expect((await a.get('/v1/customers/cust_late/entitlements?vendor=chargebee')).status).toBe(404);
    kit.reset();

    const refreshed = await a.postAuthorized('/v1/customers/cust_late/entitlements/refresh?vendor=chargebee');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ entitlementCount: 1 });
    expect(requestsTo(kit, '/api/v2/customers/cust_late/customer_entitlements')).toHaveLength(1);
    const now = await a.get('/v1/customers/cust_late/entitlements?vendor=chargebee');
    expect(now.status).toBe(200);
    expect(parseCacheStatus(now.response.headers.get('cache-status'))).toMatchObject({ hit: true });
  });

  it('an unknown customer is a 404 problem; a failing vendor is its problem, and the cached copy stays', async () => {
    const a = await scope.gateway();
    const unknown = await a.postAuthorized('/v1/customers/cust_nobody/entitlements/refresh?vendor=chargebee');
    expect(unknown.status).toBe(404);
    expect(ProblemSchema.parse(unknown.body)).toMatchObject({
      code: 'customer_not_found',
      vendor: 'chargebee',
    });

    await a.get(list);
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.inject({
      fault: { kind: 'status', status: 503, body: '{"message":"down"}' },
      path: rowsPath,
      times: 1,
    });
    const failed = await a.postAuthorized(refresh);
    expect(failed.status).toBe(503);
    expect(ProblemSchema.parse(failed.body)).toMatchObject({
      code: 'vendor_unavailable',
      vendor: 'chargebee',
    });
    // Issue 15: the refresh reloads first and replaces only on success, so a vendor outage leaves
    // the copy in place: later reads keep being answered from it, without a vendor call.
    expect(await scope.redis.entry('chargebee', 'snapshot', 'c1')).toBeDefined();
    kit.reset();
    const next = await a.get(list);
    expect(next.status).toBe(200);
    expect(parseCacheStatus(next.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(requestsTo(kit, rowsPath)).toHaveLength(0);
  });
});

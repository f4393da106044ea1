import { describe, expect, it } from 'vitest';
import type { SimulatorKit } from '../../../adapters/simulator-kit';
import { zenskarDemoCustomerIds } from '../../../adapters/zenskar/fixtures';
import type { VendorId } from '../../../schemas/entitlement';
import { EntitlementListSchema } from '../../../schemas/page';
import {
  type GatewayInstance,
  parseCacheStatus,
  requestCounts,
  type Simulators,
  uniqueTenantId,
  useRouteCacheScope,
} from '../../support/route-cache-fixture';

/**
 * Single-flight at the route level: 200 concurrent cold requests for one multi-page customer make
 * exactly one vendor load, i.e. each vendor page is requested once (compared with what one cold
 * request asks), in one process and across two gateway instances that share only Redis.
 */

const CONCURRENT_REQUESTS = 200;

/** Multi-page demo customers: Chargebee 250 features (3 row pages + 3 catalogue pages), Zenskar 432 rows (5 cursor pages), Paygentic 520 rows (6 offset pages). */
const cases: Array<{ vendor: VendorId; customerId: string; kit: (simulators: Simulators) => SimulatorKit }> =
  [
    { vendor: 'chargebee', customerId: 'cust_enterprise', kit: (s) => s.simulators.chargebee.kit },
    { vendor: 'zenskar', customerId: zenskarDemoCustomerIds.initech, kit: (s) => s.simulators.zenskar.kit },
    { vendor: 'paygentic', customerId: 'cus_demoBigco', kit: (s) => s.simulators.paygentic.kit },
  ];

const scope = useRouteCacheScope('single-flight');

/**
 * What one vendor load of the customer asks: the requests of a single cold request on a memory-only
 * instance of another tenant (so nothing it caches is visible to the instances under test).
 */
async function oneLoad(vendor: VendorId, customerId: string, kit: SimulatorKit) {
  const baseline = await scope.gateway({
    tenantId: uniqueTenantId('single-flight-baseline'),
    redisUrl: null,
  });
  const answer = await baseline.get(`/v1/customers/${customerId}/entitlements?vendor=${vendor}&limit=5`);
  expect(answer.status).toBe(200);
  const counts = requestCounts(kit.recorded);
  kit.reset();
  return { counts, totalCount: answer.body['totalCount'] };
}

describe.each(cases)(
  '$vendor: 200 concurrent cold requests for $customerId',
  ({ vendor, customerId, kit: kitOf }) => {
    // A small page: the load still reads every vendor page, while 200 small responses keep the
    // (shared, 2-core) test process responsive enough for Redis's tight command timeout.
    const path = `/v1/customers/${customerId}/entitlements?vendor=${vendor}&limit=5`;

    async function expectOneLoad(
      responses: Array<Awaited<ReturnType<GatewayInstance['get']>>>,
      kit: SimulatorKit,
      expected: Awaited<ReturnType<typeof oneLoad>>,
      instances: GatewayInstance[],
    ) {
      // On failure, say why a second load happened (Redis timeouts, lock wait timeouts, …).
      const why = `cache metrics: ${JSON.stringify(instances.map((instance) => instance.metrics))}`;
      const first = responses[0];
      if (!first) throw new Error('no responses');
      for (const response of responses) {
        expect(response.status).toBe(200);
        // Everyone was answered from the same snapshot.
        expect(response.body).toEqual(first.body);
      }
      EntitlementListSchema.parse(first.body);
      expect(first.body['totalCount']).toBe(expected.totalCount);
      // Exactly one vendor load: every page exactly once, nothing else.
      expect(requestCounts(kit.recorded), why).toEqual(expected.counts);
      // Exactly one request ran the load; every other one was answered by it (or by Redis afterwards).
      const statuses = responses.map((response) =>
        parseCacheStatus(response.response.headers.get('cache-status')),
      );
      expect(
        statuses.filter((status) => status['fwd'] === 'miss' && status['collapsed'] !== true),
      ).toHaveLength(1);
    }

    it('in one process: one load, each vendor page requested once', async () => {
      const kit = kitOf(scope.simulators);
      const expected = await oneLoad(vendor, customerId, kit);
      // Sanity of the baseline: several pages (a Zenskar crawl's cursor pages count under one key).
      expect([...expected.counts.values()].reduce((sum, count) => sum + count, 0)).toBeGreaterThan(2);
      const a = await scope.gateway();
      // Vendor latency keeps the load running while all 200 requests arrive.
      kit.setLatency(25);

      const responses = await Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => a.get(path)));

      await expectOneLoad(responses, kit, expected, [a]);
      expect(a.metrics.collapsed).toBe(CONCURRENT_REQUESTS - 1);
    });

    it('across two instances sharing Redis: still one load, the other instance waits for it through the Redis lock', async () => {
      const kit = kitOf(scope.simulators);
      const expected = await oneLoad(vendor, customerId, kit);
      const a = await scope.gateway();
      const b = await scope.gateway();
      kit.setLatency(25);

      const responses = await Promise.all(
        Array.from({ length: CONCURRENT_REQUESTS }, (_, index) => (index % 2 === 0 ? a : b).get(path)),
      );

      await expectOneLoad(responses, kit, expected, [a, b]);
      // One instance loaded; the other took the result from Redis (after waiting on the lock, or
      // straight from Redis if it arrived after the write), never from the vendor.
      const loaders = [a, b].filter((instance) => instance.metrics.loads > 0);
      expect(loaders).toHaveLength(1);
      const waiter = loaders[0] === a ? b : a;
      expect(waiter.metrics.loads).toBe(0);
      expect((await scope.redis.entry(vendor, 'snapshot', customerId))?.value).not.toBeNull();
    });
  },
);

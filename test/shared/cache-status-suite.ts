import { beforeEach, describe, expect, it } from 'vitest';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import {
  checkPath,
  expectJson,
  listPath,
  postJson,
  type SharedGateway,
  type SharedSuiteTarget,
  sharedRouteEnv,
  withKey,
} from './route-suite-target';

const chargebeeCustomer = sandboxExamples.chargebee.customerId;
const chargebeeFeature = sandboxExamples.chargebee.featureKey;
const zenskarCustomer = sandboxExamples.zenskar.customerId;

const miss = /^entitlements-gateway; fwd=miss; stored$/;
const memoryHit = /^entitlements-gateway; hit; ttl=(\d+); detail=memory$/;

/** The `Cache-Status` value of a successful response, after its body has been read. */
async function cacheStatusOf(response: Response): Promise<string | null> {
  await expectJson(response);
  return response.headers.get('cache-status');
}

/** Cache status (RFC 9211): a fresh gateway misses once, then hits; `no-cache` reloads. */
export function describeCacheStatusSuite(target: SharedSuiteTarget): void {
  describe(`cache status [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeEach(async () => {
      gateway = await target.open();
      return () => gateway.close();
    });

    it('the first list of a customer is a stored miss, the second a memory hit with its TTL and Age', async () => {
      const path = listPath(chargebeeCustomer, { vendor: 'chargebee' });
      const first = await gateway.call(path, withKey());
      expect(await cacheStatusOf(first)).toMatch(miss);
      expect(first.headers.get('age')).toBe('0');
      expect(first.headers.get('cache-control')).toBe('private, no-store');

      const second = await gateway.call(path, withKey());
      const status = await cacheStatusOf(second);
      expect(status).toMatch(memoryHit);
      const ttl = Number(memoryHit.exec(status ?? '')?.[1]);
      const age = second.headers.get('age');
      expect(age).toMatch(/^\d+$/);
      // Age (seconds since stored) and ttl (seconds left) floor the two parts of the pinned 300 s
      // freshness: together 300, or a second or two less for the roundings.
      expect(Number(age) + ttl).toBeGreaterThanOrEqual(298);
      expect(Number(age) + ttl).toBeLessThanOrEqual(Number(sharedRouteEnv['CACHE_TTL_SECONDS']));
    });

    it('the check and batch routes answer from the snapshot the list loaded', async () => {
      expect(
        await cacheStatusOf(
          await gateway.call(listPath(chargebeeCustomer, { vendor: 'chargebee' }), withKey()),
        ),
      ).toMatch(miss);
      expect(
        await cacheStatusOf(
          await gateway.call(
            checkPath(chargebeeCustomer, chargebeeFeature, { vendor: 'chargebee' }),
            withKey(),
          ),
        ),
      ).toMatch(memoryHit);
      expect(
        await cacheStatusOf(
          await gateway.call(
            '/v1/check',
            postJson({
              checks: [{ customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: chargebeeFeature }],
            }),
          ),
        ),
      ).toMatch(memoryHit);
    });

    it('each customer and vendor is its own entry; a batch spanning a cached and an uncached one reports the miss', async () => {
      expect(
        await cacheStatusOf(
          await gateway.call(listPath(chargebeeCustomer, { vendor: 'chargebee' }), withKey()),
        ),
      ).toMatch(miss);
      expect(
        await cacheStatusOf(
          await gateway.call(
            '/v1/check',
            postJson({
              checks: [
                { customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: chargebeeFeature },
                { customerId: zenskarCustomer, vendor: 'zenskar', featureKey: 'sso' },
              ],
            }),
          ),
        ),
      ).toMatch(miss);
      expect(
        await cacheStatusOf(await gateway.call(listPath(zenskarCustomer, { vendor: 'zenskar' }), withKey())),
      ).toMatch(memoryHit);
    });

    it('Cache-Control: no-cache reloads from the vendor and stores the result for the next request', async () => {
      const path = listPath(chargebeeCustomer, { vendor: 'chargebee' });
      expect(await cacheStatusOf(await gateway.call(path, withKey()))).toMatch(miss);
      expect(
        await cacheStatusOf(await gateway.call(path, withKey({ headers: { 'cache-control': 'no-cache' } }))),
      ).toMatch(/^entitlements-gateway; fwd=request; stored$/);
      expect(await cacheStatusOf(await gateway.call(path, withKey()))).toMatch(memoryHit);
    });
  });
}

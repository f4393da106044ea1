import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { EntitlementListSchema } from '../../schemas/page';
import {
  expectJson,
  type GatewayCall,
  listPath,
  type SharedGateway,
  type SharedSuiteTarget,
  sandboxDemoCustomers,
  withKey,
} from './route-suite-target';

/** Page sizes of the crawl: one item, an odd size that never divides the totals evenly, the default. */
const crawlLimits = [1, 7, 50] as const;
/** Customers with more features than this are not crawled one item at a time (see below). */
const singleItemCrawlMaximum = 100;

/** Keyset pages come back ordered by featureKey in code-unit order (the service's own comparison). */
function expectStrictlyAscending(keys: readonly string[], label: string): void {
  for (let index = 1; index < keys.length; index++) {
    expect(
      (keys[index - 1] as string) < (keys[index] as string),
      `${label}: ${keys[index - 1]} < ${keys[index]}`,
    ).toBe(true);
  }
}

/** Follows `nextCursor` to the end, checking each page's shape and size on the way. */
async function crawl(call: GatewayCall, vendor: VendorId, customerId: string, limit: number) {
  const label = `${vendor}/${customerId} limit=${limit}`;
  const keys: string[] = [];
  let cursor: string | undefined;
  let totalCount: number | undefined;
  let pages = 0;
  for (;;) {
    const page = EntitlementListSchema.parse(
      await expectJson(await call(listPath(customerId, { vendor, limit: String(limit), cursor }), withKey())),
    );
    pages += 1;
    totalCount ??= page.totalCount;
    expect(page.totalCount, label).toBe(totalCount);
    expect(page.data.length, label).toBeLessThanOrEqual(limit);
    // Only the last page may be short.
    if (page.nextCursor !== null) expect(page.data.length, label).toBe(limit);
    for (const entitlement of page.data) {
      expect(entitlement.vendor, label).toBe(vendor);
      expect(entitlement.customerId, label).toBe(customerId);
    }
    keys.push(...page.data.map((entitlement) => entitlement.featureKey));
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
    // A cursor that never ends would otherwise spin until the test timeout.
    expect(pages, label).toBeLessThanOrEqual((totalCount ?? 0) + 1);
  }
  return { keys, totalCount: totalCount ?? 0, pages };
}

/** List crawl: every demo customer at limits 1, 7 and 50 yields every feature exactly once. */
export function describeListCrawlSuite(target: SharedSuiteTarget): void {
  describe(`list crawl [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('the sandbox seeds several customers per vendor', () => {
      for (const vendor of vendorIds)
        expect(sandboxDemoCustomers.filter((entry) => entry.vendor === vendor).length).toBeGreaterThan(1);
    });

    for (const { vendor, customerId } of sandboxDemoCustomers) {
      it(`${vendor}/${customerId}: crawls at limits 1 (up to ${singleItemCrawlMaximum} features), 7 and 50 return every feature once, in order`, async () => {
        // One unpaged read (the largest page) for the total, to compare the crawls with.
        const whole = EntitlementListSchema.parse(
          await expectJson(await gateway.call(listPath(customerId, { vendor, limit: '100' }), withKey())),
        );
        // A 1-item crawl of the generated 250-feature customers costs 250 requests per runtime (slow
        // inside workerd on a loaded machine); 7 and 50 cross their page boundaries dozens of times.
        const limits = crawlLimits.filter((limit) => limit > 1 || whole.totalCount <= singleItemCrawlMaximum);
        const crawls = [];
        for (const limit of limits)
          crawls.push({ limit, ...(await crawl(gateway.call, vendor, customerId, limit)) });
        for (const { limit, keys, totalCount, pages } of crawls) {
          expect(totalCount, `limit=${limit}`).toBe(whole.totalCount);
          expect(keys.length, `limit=${limit}`).toBe(totalCount);
          expect(new Set(keys).size, `limit=${limit}: no feature twice`).toBe(keys.length);
          expectStrictlyAscending(keys, `${vendor}/${customerId} limit=${limit}`);
          expect(pages, `limit=${limit}`).toBe(Math.max(1, Math.ceil(totalCount / limit)));
          expect(keys.slice(0, 100), `limit=${limit}`).toEqual(
            whole.data.map((entitlement) => entitlement.featureKey),
          );
        }
        // Every limit walks the same features in the same order.
        for (const other of crawls.slice(1))
          expect(other.keys, `limit=${other.limit}`).toEqual(crawls[0]?.keys);
      });
    }
  });
}

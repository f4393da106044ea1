import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../schemas/check';
import { type Entitlement, type VendorId, vendorIds } from '../../schemas/entitlement';
import { EntitlementListSchema } from '../../schemas/page';
import { multiVendorDemo, sandboxCustomerLinks } from '../../src/sandbox/multi-vendor-demo';
import {
  checkPath,
  expectJson,
  listPath,
  postJson,
  type SharedGateway,
  type SharedSuiteTarget,
  withKey,
} from './route-suite-target';

const { appCustomer, appFeature } = multiVendorDemo;
const links = sandboxCustomerLinks.get(appCustomer) as Record<VendorId, string>;
const linked = vendorIds.filter((vendor) => links[vendor] !== undefined);
/** A linked vendor whose single-vendor answer the batch compares with. */
const single = linked[0] as VendorId;

async function crawl(gateway: SharedGateway, query: Record<string, string | undefined>, limit: number) {
  const data: Entitlement[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const page = EntitlementListSchema.parse(
      await expectJson(
        await gateway.call(listPath(appCustomer, { ...query, limit: String(limit), cursor }), withKey()),
      ),
    );
    expect(page.data.length).toBeLessThanOrEqual(limit);
    if (query.vendor === undefined) {
      expect(page.partial).toBe(false);
      expect(page.vendors?.map((status) => [status.vendor, status.customerId])).toEqual(
        linked.map((vendor) => [vendor, links[vendor]]),
      );
    }
    data.push(...(page.data as Entitlement[]));
    if (page.nextCursor === null) return data;
    cursor = page.nextCursor;
  }
  throw new Error('the crawl did not end');
}

/** A batch of the demo customer's checks, parsed. */
async function batchOf(gateway: SharedGateway, checks: Array<Record<string, string>>) {
  return BatchCheckResponseSchema.parse(
    await expectJson(await gateway.call('/v1/check', postJson({ checks }))),
  );
}

/**
 * One customer across vendors, on the sandbox's demo: the app customer linked to three vendors and the
 * demo catalogue. Merged crawls, single-vendor answers through the link, checks and batches.
 */
export function describeMergedSuite(target: SharedSuiteTarget): void {
  describe(`merged answers [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    it.each([1, 7, 50])(
      'the linked demo customer crawled %i per page: every feature once, with every vendor behind it',
      async (limit) => {
        // The reference: each linked vendor's own answer through the link.
        const expected = new Map<string, { vendors: VendorId[]; grants: number }>();
        for (const vendor of linked) {
          for (const entitlement of await crawl(gateway, { vendor }, 100)) {
            expect(entitlement).toMatchObject({ vendor, customerId: appCustomer });
            const entry = expected.get(entitlement.featureKey) ?? { vendors: [], grants: 0 };
            entry.vendors.push(vendor);
            entry.grants += entitlement.grants.length;
            expected.set(entitlement.featureKey, entry);
          }
        }
        const merged = await crawl(gateway, {}, limit);
        const keys = merged.map((entitlement) => entitlement.featureKey);
        expect(new Set(keys).size).toBe(keys.length);
        expect([...keys].sort()).toEqual([...expected.keys()].sort());
        for (const entitlement of merged) {
          const reference = expected.get(entitlement.featureKey);
          // Sources come in precedence order (the catalogue's, else the gateway's vendor order).
          expect(entitlement.sources?.map((source) => source.vendor).sort()).toEqual(
            [...(reference?.vendors ?? [])].sort(),
          );
          expect(entitlement.grants).toHaveLength(reference?.grants ?? -1);
        }
        expect(expected.get(appFeature)?.vendors).toEqual(linked);
      },
    );

    it('the demo app feature sums the linked vendors; its check and batch are merged too', async () => {
      const perVendor = await Promise.all(
        linked.map(async (vendor) =>
          CheckResultSchema.parse(
            await expectJson(await gateway.call(checkPath(appCustomer, appFeature, { vendor }), withKey())),
          ),
        ),
      );
      const merged = CheckResultSchema.parse(
        await expectJson(await gateway.call(checkPath(appCustomer, appFeature, {}), withKey())),
      );
      expect(merged).toMatchObject({
        vendor: null,
        customerId: appCustomer,
        hasAccess: true,
        partial: false,
      });
      expect(merged.limit).toBe(perVendor.reduce((total, result) => total + (result.limit ?? 0), 0));
      const batch = await batchOf(gateway, [
        { customerId: appCustomer, featureKey: appFeature },
        { customerId: appCustomer, vendor: single, featureKey: appFeature },
      ]);
      expect(batch.results[0]).toMatchObject({ vendor: null, limit: merged.limit, partial: false });
      expect(batch.results[1]).toMatchObject({
        vendor: single,
        limit: perVendor[linked.indexOf(single)]?.limit,
      });
    });
  });

  describe(`merged answers with a linked vendor down and nothing cached [${target.runtime}]`, () => {
    const down: VendorId = 'paygentic';
    const declaredLimit = 5;
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open({
        unreachable: [down],
        env: {
          UPSTREAM_MAX_ATTEMPTS: '1',
          FALLBACK_FEATURES: JSON.stringify({ [appFeature]: { hasAccess: true, limit: declaredLimit } }),
        },
      });
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('the down vendor’s part is the feature’s fallback policy, flagged with each vendor’s status, in checks and batches', async () => {
      const answering = linked.filter((vendor) => vendor !== down);
      const perVendor = await Promise.all(
        answering.map(async (vendor) =>
          CheckResultSchema.parse(
            await expectJson(await gateway.call(checkPath(appCustomer, appFeature, { vendor }), withKey())),
          ),
        ),
      );
      const expectedLimit = perVendor.reduce((total, result) => total + (result.limit ?? 0), declaredLimit);
      const merged = CheckResultSchema.parse(
        await expectJson(await gateway.call(checkPath(appCustomer, appFeature, {}), withKey())),
      );
      expect(merged).toMatchObject({ hasAccess: true, limit: expectedLimit, fallback: true, partial: true });
      expect(merged.vendors?.map((status) => [status.vendor, status.status, status.fallback])).toEqual(
        linked.map((vendor) =>
          vendor === down ? [vendor, 'unavailable', true] : [vendor, 'fresh', undefined],
        ),
      );
      expect(
        merged.entitlement?.grants
          .filter((grant) => grant.vendor === down)
          .map((grant) => [grant.source, grant.limit]),
      ).toEqual([['fallback', declaredLimit]]);
      // A feature nobody holds, with the default policy (deny): denied, reason unknown, flagged.
      const batch = await batchOf(gateway, [
        { customerId: appCustomer, featureKey: appFeature },
        { customerId: appCustomer, featureKey: 'no-such-feature' },
      ]);
      expect(batch.results[0]).toMatchObject({ limit: expectedLimit, fallback: true });
      expect(batch.results[1]).toMatchObject({ hasAccess: false, reason: null, fallback: true });
    });
  });
}

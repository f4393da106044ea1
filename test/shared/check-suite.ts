import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, type CheckResult, CheckResultSchema } from '../../schemas/check';
import { type Entitlement, vendorIds } from '../../schemas/entitlement';
import { EntitlementListSchema } from '../../schemas/page';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import { vendorTestKit } from '../support/vendor-test-kits';
import {
  checkPath,
  expectJson,
  expectProblem,
  listPath,
  postJson,
  type SharedGateway,
  type SharedSuiteTarget,
  withKey,
} from './route-suite-target';

const chargebeeCustomer = sandboxExamples.chargebee.customerId;
const chargebeeFeature = sandboxExamples.chargebee.featureKey;
const paygenticCustomer = sandboxExamples.paygentic.customerId;
const zenskarCustomer = sandboxExamples.zenskar.customerId;

async function listAll(gateway: SharedGateway, vendor: string, customerId: string): Promise<Entitlement[]> {
  const page = EntitlementListSchema.parse(
    await expectJson(await gateway.call(listPath(customerId, { vendor, limit: '100' }), withKey())),
  );
  expect(page.nextCursor).toBeNull();
  return page.data;
}

async function checkOne(
  gateway: SharedGateway,
  customerId: string,
  featureKey: string,
  query: Record<string, string | undefined>,
): Promise<CheckResult> {
  return CheckResultSchema.parse(
    await expectJson(await gateway.call(checkPath(customerId, featureKey, query), withKey())),
  );
}

/** Single check: the answer agrees with the list, usage is weighed against the limit, unknowns are told apart. */
export function describeCheckSuite(target: SharedSuiteTarget): void {
  describe(`single check [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('answers every listed feature of a customer with the listed entitlement', async () => {
      for (const vendor of vendorIds) {
        const { customerId } = sandboxExamples[vendor];
        const listed = await listAll(gateway, vendor, customerId);
        expect(listed.length, `${vendor}/${customerId}`).toBeGreaterThan(0);
        for (const entitlement of listed) {
          const result = await checkOne(gateway, customerId, entitlement.featureKey, { vendor });
          expect(result).toMatchObject({
            object: 'entitlement_check',
            vendor,
            customerId,
            featureKey: entitlement.featureKey,
            hasAccess: entitlement.hasAccess,
            reason: entitlement.reason,
            type: entitlement.type,
            limit: entitlement.limit,
            remaining: entitlement.remaining,
            requestedUsage: null,
          });
          expect(result.entitlement).toEqual(entitlement);
        }
      }
    });

    it('weighs requestedUsage against what remains (the sandbox banner line)', async () => {
      const [listed] = (await listAll(gateway, 'chargebee', chargebeeCustomer)).filter(
        (entitlement) => entitlement.featureKey === chargebeeFeature,
      );
      // The banner's example feature is a numeric limit with access; the assertions below rely on it.
      expect(listed).toMatchObject({ type: 'numeric', hasAccess: true, unlimited: false });
      const remaining = listed?.remaining as number;
      expect(remaining).toBeGreaterThan(0);

      const within = await checkOne(gateway, chargebeeCustomer, chargebeeFeature, {
        vendor: 'chargebee',
        requestedUsage: String(remaining),
      });
      expect(within).toMatchObject({ hasAccess: true, reason: null, requestedUsage: remaining });
      const beyond = await checkOne(gateway, chargebeeCustomer, chargebeeFeature, {
        vendor: 'chargebee',
        requestedUsage: String(remaining + 1),
      });
      expect(beyond).toMatchObject({
        hasAccess: false,
        reason: 'limit_exceeded',
        requestedUsage: remaining + 1,
      });
    });

    it('an unknown feature is a 200 "not_entitled"; an unknown customer is a 404 problem naming the vendor', async () => {
      const missing = await checkOne(gateway, chargebeeCustomer, 'no-such-feature', { vendor: 'chargebee' });
      expect(missing).toMatchObject({
        hasAccess: false,
        reason: 'not_entitled',
        type: null,
        entitlement: null,
      });
      for (const vendor of vendorIds) {
        // A well-formed id each vendor's demo data does not know.
        const { unknownCustomerIds, unknownCustomer } = vendorTestKit(vendor).data;
        const answer = await gateway.call(
          checkPath(unknownCustomerIds[0], 'no-such-feature', { vendor }),
          withKey(),
        );
        if (unknownCustomer === 'not_found') {
          const problem = await expectProblem(answer, 404, 'customer_not_found');
          expect(problem.vendor).toBe(vendor);
        } else {
          // Paygentic answers an unknown customer with an empty list (its API declares no 404), so the
          // gateway cannot tell "unknown" from "entitled to nothing": not_entitled, not a 404.
          expect(CheckResultSchema.parse(await expectJson(answer))).toMatchObject({
            hasAccess: false,
            reason: 'not_entitled',
            entitlement: null,
          });
        }
      }
    });
  });
}

/** Batch check: results in request order, each equal to its single check; one bad item fails alone. */
export function describeBatchSuite(target: SharedSuiteTarget): void {
  describe(`batch check [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('answers in request order, each result equal to the single check of the same item', async () => {
      const checks = [
        { customerId: paygenticCustomer, vendor: 'paygentic' as const, featureKey: 'sso' },
        { customerId: chargebeeCustomer, vendor: 'chargebee' as const, featureKey: 'xero-integration' },
        {
          customerId: chargebeeCustomer,
          vendor: 'chargebee' as const,
          featureKey: chargebeeFeature,
          requestedUsage: 5,
        },
        { customerId: zenskarCustomer, vendor: 'zenskar' as const, featureKey: 'no-such-feature' },
        { customerId: chargebeeCustomer, vendor: 'chargebee' as const, featureKey: 'support-level' },
      ];
      const response = BatchCheckResponseSchema.parse(
        await expectJson(await gateway.call('/v1/check', postJson({ checks }))),
      );
      expect(response.results).toHaveLength(checks.length);
      for (const [index, check] of checks.entries()) {
        const single = await checkOne(gateway, check.customerId, check.featureKey, {
          vendor: check.vendor,
          requestedUsage: check.requestedUsage === undefined ? undefined : String(check.requestedUsage),
        });
        expect(response.results[index], `item ${index}`).toEqual(single);
      }
    });

    it('one failing item carries its own problem; the others and the batch succeed', async () => {
      const checks = [
        { customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: 'xero-integration' },
        { customerId: 'cus_nobody_here', vendor: 'chargebee', featureKey: 'xero-integration' },
        // The sandbox tenant reads three vendors, so an item without one is ambiguous.
        { customerId: chargebeeCustomer, featureKey: 'xero-integration' },
        { customerId: paygenticCustomer, vendor: 'paygentic', featureKey: 'sso' },
      ];
      const response = BatchCheckResponseSchema.parse(
        await expectJson(await gateway.call('/v1/check', postJson({ checks }))),
      );
      const [first, unknownCustomer, noVendor, last] = response.results;
      expect(first).toMatchObject({
        object: 'entitlement_check',
        customerId: chargebeeCustomer,
        hasAccess: true,
      });
      expect(unknownCustomer).toMatchObject({
        object: 'entitlement_check_error',
        customerId: 'cus_nobody_here',
        featureKey: 'xero-integration',
        vendor: 'chargebee',
        error: { status: 404, code: 'customer_not_found' },
      });
      expect(noVendor).toMatchObject({
        object: 'entitlement_check_error',
        customerId: chargebeeCustomer,
        error: { status: 400, code: 'vendor_required' },
      });
      expect(last).toMatchObject({
        object: 'entitlement_check',
        customerId: paygenticCustomer,
        vendor: 'paygentic',
      });
    });

    it('the sandbox banner batch answers both items', async () => {
      const response = BatchCheckResponseSchema.parse(
        await expectJson(
          await gateway.call(
            '/v1/check',
            postJson({
              checks: [
                { customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: 'xero-integration' },
                { customerId: paygenticCustomer, vendor: 'paygentic', featureKey: 'sso' },
              ],
            }),
          ),
        ),
      );
      expect(response.results.map((result) => [result.object, result.customerId, result.featureKey])).toEqual(
        [
          ['entitlement_check', chargebeeCustomer, 'xero-integration'],
          ['entitlement_check', paygenticCustomer, 'sso'],
        ],
      );
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntitlementListSchema } from '../../schemas/page';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import {
  expectJson,
  expectProblem,
  listPath,
  postJson,
  type SharedGateway,
  type SharedSuiteTarget,
  withKey,
} from './route-suite-target';

const chargebeeCustomer = sandboxExamples.chargebee.customerId;

/** Errors: 400 listing every bad field, 404 problems, cursors that do not verify. */
export function describeErrorSuite(target: SharedSuiteTarget): void {
  describe(`errors [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('a list query with five bad parameters is one 400 listing all five', async () => {
      const path = `/v1/customers/${chargebeeCustomer}/entitlements?vendor=chargebee&limit=0&type=gold&hasAccess=maybe&at=yesterday&colour=blue`;
      const problem = await expectProblem(await gateway.call(path, withKey()), 400, 'validation_failed');
      expect(problem.errors?.map((error) => error.path).sort()).toEqual(
        ['query.at', 'query.colour', 'query.hasAccess', 'query.limit', 'query.type'].sort(),
      );
      for (const error of problem.errors ?? []) expect(error.message.length, error.path).toBeGreaterThan(0);
    });

    it('a batch item with four bad fields fails alone, listing all four; a bad envelope is one 400', async () => {
      const response = await gateway.call(
        '/v1/check',
        postJson({
          checks: [
            { customerId: '', featureKey: 5, requestedUsage: -1, colour: 'blue' },
            { customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: 'user-licenses' },
          ],
        }),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        results: Array<{
          object: string;
          error?: { status: number; code: string; errors?: Array<{ path: string }> };
        }>;
      };
      expect(body.results[1]?.object).toBe('entitlement_check');
      const problem = body.results[0]?.error;
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
      const envelope = await expectProblem(
        await gateway.call('/v1/check', postJson({ checks: [], colour: 'blue' })),
        400,
        'validation_failed',
      );
      expect(envelope.errors?.map((error) => error.path).sort()).toEqual(['body.checks', 'body.colour']);
      expect(problem?.errors?.map((error) => error.path).sort()).toEqual(
        [
          'body.checks.0.colour',
          'body.checks.0.customerId',
          'body.checks.0.featureKey',
          'body.checks.0.requestedUsage',
        ].sort(),
      );
    });

    it('malformed JSON, an empty batch and an unknown vendor are 400 problems', async () => {
      await expectProblem(
        await gateway.call(
          '/v1/check',
          withKey({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"checks": [' }),
        ),
        400,
        'validation_failed',
      );
      const empty = await expectProblem(
        await gateway.call('/v1/check', postJson({ checks: [] })),
        400,
        'validation_failed',
      );
      expect(empty.errors?.map((error) => error.path)).toEqual(['body.checks']);
      const vendor = await expectProblem(
        await gateway.call(listPath(chargebeeCustomer, { vendor: 'not-a-vendor' }), withKey()),
        400,
        'validation_failed',
      );
      expect(vendor.errors?.map((error) => error.path)).toEqual(['query.vendor']);
      await expectProblem(
        await gateway.call(listPath(chargebeeCustomer, {}), withKey()),
        400,
        'vendor_required',
      );
    });

    it('an unknown route and an unknown customer are 404 problems', async () => {
      await expectProblem(await gateway.call('/v1/nothing-here', withKey()), 404, 'not_found');
      await expectProblem(await gateway.call('/v2/customers/c1/entitlements'), 404, 'not_found');
      const problem = await expectProblem(
        await gateway.call(listPath('cus_nobody_here', { vendor: 'chargebee' }), withKey()),
        404,
        'customer_not_found',
      );
      expect(problem.vendor).toBe('chargebee');
    });

    it('a garbled, tampered, foreign-customer or foreign-query cursor is a 400 invalid_cursor', async () => {
      const first = EntitlementListSchema.parse(
        await expectJson(
          await gateway.call(listPath(chargebeeCustomer, { vendor: 'chargebee', limit: '1' }), withKey()),
        ),
      );
      const cursor = first.nextCursor;
      expect(cursor).toEqual(expect.any(String));
      if (cursor === null) return;
      // The cursor itself works, so every refusal below is about what was done to it.
      await expectJson(
        await gateway.call(
          listPath(chargebeeCustomer, { vendor: 'chargebee', limit: '1', cursor }),
          withKey(),
        ),
      );
      // Tampered: the position moved (skip ahead), the signature kept.
      const [body, signature] = cursor.split('.') as [string, string];
      const payload = JSON.parse(atob(body.replaceAll('-', '+').replaceAll('_', '/'))) as Record<
        string,
        unknown
      >;
      expect(payload).toHaveProperty('a');
      const moved = btoa(JSON.stringify({ ...payload, a: 'zzzz' }))
        .replaceAll('+', '-')
        .replaceAll('/', '_')
        .replace(/=+$/, '');
      const refused: Array<[string, string]> = [
        ['garbled', listPath(chargebeeCustomer, { vendor: 'chargebee', cursor: 'not-a-cursor' })],
        ['tampered', listPath(chargebeeCustomer, { vendor: 'chargebee', cursor: `${moved}.${signature}` })],
        ['another customer', listPath('cust_acme', { vendor: 'chargebee', cursor })],
        ['another query', listPath(chargebeeCustomer, { vendor: 'chargebee', type: 'boolean', cursor })],
      ];
      for (const [name, path] of refused) {
        const problem = await expectProblem(await gateway.call(path, withKey()), 400, 'invalid_cursor');
        expect(
          problem.errors?.map((error) => error.path),
          name,
        ).toEqual(['query.cursor']);
      }
    });
  });
}

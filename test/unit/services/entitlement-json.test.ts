import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../schemas/check';
import type { Entitlement } from '../../../schemas/entitlement';
import {
  batchCheckBody,
  checkResultBody,
  checkResultJson,
  entitlementJson,
  entitlementListBody,
  entitlementListJson,
} from '../../../src/services/entitlement-json';

function entitlement(featureKey: string): Entitlement {
  return {
    object: 'entitlement',
    vendor: 'chargebee',
    customerId: 'c1',
    featureKey,
    featureName: `Feature "${featureKey}"`,
    type: 'numeric',
    hasAccess: true,
    reason: null,
    unlimited: false,
    limit: 13,
    usage: null,
    remaining: 13,
    value: '13',
    config: { nested: ['a', 1, null] },
    unit: 'seat',
    activeFrom: null,
    activeTo: '2030-01-01T00:00:00.000Z',
    grants: [
      {
        source: 'subscription',
        sourceId: 's1',
        vendorId: null,
        hasAccess: true,
        limit: 13,
        usage: null,
        value: '13',
        status: 'active',
        activeFrom: null,
        activeTo: null,
      },
    ],
    raw: [{ subscription_id: 's1', feature_id: featureKey, value: '13', weird: 'line\nbreak \u2028' }],
  };
}

const withoutRaw = ({ raw: _raw, ...rest }: Entitlement) => rest;

/** A granted check of `featureKey` (13 of a numeric limit left), with its entitlement. */
function checkResult(featureKey: string): CheckResult {
  const found = entitlement(featureKey);
  return {
    object: 'entitlement_check',
    vendor: 'chargebee',
    customerId: 'c1',
    featureKey,
    hasAccess: true,
    reason: null,
    type: found.type,
    unlimited: false,
    limit: 13,
    usage: null,
    remaining: 13,
    value: '13',
    requestedUsage: null,
    softLimit: null,
    overage: null,
    entitlement: found,
  };
}

describe('pre-serialized entitlement JSON', () => {
  it('is byte-for-byte JSON.stringify of the entitlement, with and without its vendor rows', () => {
    const item = entitlement('seats');
    expect(entitlementJson(item, false)).toBe(JSON.stringify(withoutRaw(item)));
    expect(entitlementJson(item, true)).toBe(JSON.stringify(item));
    // Memoized per object, and the two forms are kept apart.
    expect(entitlementJson(item, false)).toBe(JSON.stringify(withoutRaw(item)));
    expect(JSON.parse(entitlementJson(item, false))).not.toHaveProperty('raw');
  });

  it('builds a list page identical to serializing the page object', () => {
    const data = [entitlement('a'), entitlement('b')];
    for (const includeRaw of [false, true]) {
      for (const nextCursor of [null, 'abc.def']) {
        const json = entitlementListJson({ object: 'list', data, nextCursor, totalCount: 7, includeRaw });
        expect(json).toBe(
          JSON.stringify({
            object: 'list',
            data: includeRaw ? data : data.map(withoutRaw),
            nextCursor,
            totalCount: 7,
          }),
        );
      }
    }
    expect(
      entitlementListJson({ object: 'list', data: [], nextCursor: null, totalCount: 0, includeRaw: false }),
    ).toBe('{"object":"list","data":[],"nextCursor":null,"totalCount":0}');
  });

  it('gives a list page as the UTF-8 bytes of its JSON, encoded once per page', () => {
    const page = {
      object: 'list' as const,
      data: [entitlement('naïve-ü'), entitlement('b')],
      nextCursor: null,
      totalCount: 2,
      includeRaw: false,
    };
    const body = entitlementListBody(page);
    expect(new TextDecoder().decode(body)).toBe(entitlementListJson(page));
    expect(entitlementListBody(page)).toBe(body);
  });

  it('gives a check result as the UTF-8 bytes of its JSON, encoded once per result', () => {
    const result = checkResult('über');
    const body = checkResultBody(result);
    expect(new TextDecoder().decode(body)).toBe(checkResultJson(result));
    expect(checkResultBody(result)).toBe(body);
  });

  it('builds a batch answer identical to serializing it, results and failed items alike', () => {
    const result = checkResult('über');
    const failed = {
      object: 'entitlement_check_error' as const,
      customerId: 'c2',
      featureKey: 'x',
      vendor: null,
      error: { status: 404, code: 'customer_not_found', title: 'Customer not found', detail: 'No "c2".' },
    };
    const { raw: _raw, ...withoutRows } = result.entitlement as Entitlement;
    const expected = (results: object[]) =>
      JSON.stringify({
        object: 'batch_check',
        results: results.map((item) => (item === result ? { ...result, entitlement: withoutRows } : item)),
      });
    for (const results of [[], [result], [result, failed, result]])
      expect(new TextDecoder().decode(batchCheckBody(results))).toBe(expected(results));
  });

  it('builds a check result identical to serializing it with the entitlement stripped of its rows', () => {
    const found = entitlement('seats');
    const result: CheckResult = {
      object: 'entitlement_check',
      vendor: 'chargebee',
      customerId: 'c1',
      featureKey: 'seats',
      hasAccess: false,
      reason: 'limit_exceeded',
      type: 'numeric',
      unlimited: false,
      limit: 13,
      usage: null,
      remaining: 13,
      value: '13',
      requestedUsage: 20,
      softLimit: false,
      overage: null,
      entitlement: found,
    };
    expect(checkResultJson(result)).toBe(JSON.stringify({ ...result, entitlement: withoutRaw(found) }));
    const none = { ...result, entitlement: null, type: null };
    expect(checkResultJson(none)).toBe(JSON.stringify(none));
  });
});

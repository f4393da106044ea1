import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, type CheckResult, CheckResultSchema } from '../../../schemas/check';
import { ProblemSchema } from '../../../schemas/problem';
import { bearer, createTestClock, TEST_KEY } from '../../support/gateway';
import { startVendorStack } from '../../support/vendor-stack';

/**
 * Issue 17, fallback policies: with the vendor down and nothing cached, a check answers the policy
 * of its feature (`deny` by default, `allow`, a static value, or `problem`), flagged `fallback: true`
 * with the vendor's status, in single and batch checks, logged; with a stale snapshot in the cache
 * the stale data answers (stale-if-error) and the policy is never used.
 */

const TTL_SECONDS = 60;
const STALE_SECONDS = 600;
const clock = createTestClock(Date.UTC(2026, 0, 15, 12, 0, 0));
type Stack = Awaited<ReturnType<typeof startVendorStack>>;
let stack: Stack;

beforeAll(async () => {
  stack = await startVendorStack({
    clock,
    env: {
      CACHE_TTL_SECONDS: String(TTL_SECONDS),
      CACHE_STALE_SECONDS: String(STALE_SECONDS),
      UPSTREAM_MAX_ATTEMPTS: '1',
      LOG_LEVEL: 'debug',
      // FALLBACK_POLICY left unset: `deny` is the default.
      FALLBACK_FEATURES: JSON.stringify({
        'xero-integration': 'allow',
        'user-licenses': { hasAccess: true, limit: 5 },
        'audit-log': 'problem',
      }),
    },
  });
});

afterAll(async () => {
  await stack?.close();
});

const COLD = 'cold-customer-17';
const check = (customerId: string, feature: string, query = '', headers: Record<string, string> = {}) =>
  stack.app.request(`/v1/customers/${customerId}/entitlements/${feature}?vendor=chargebee${query}`, {
    headers: { ...bearer(TEST_KEY), ...headers },
  });

function chargebeeDown() {
  const kit = stack.simulators.chargebee.kit;
  kit.reset();
  kit.inject({
    fault: { kind: 'status', status: 503, body: '{"message":"down","api_error_code":"internal_error"}' },
    times: Number.POSITIVE_INFINITY,
  });
  return kit;
}

const flagged = {
  fallback: true,
  entitlement: null,
  vendorStatus: {
    vendor: 'chargebee',
    status: 'unavailable',
    error: { code: 'vendor_unavailable', status: 503 },
  },
};

// First: the outage tests below open the vendor's circuit breaker, and this one needs a healthy load.
describe('stale data wins over the fallback policy', () => {
  it('serves the stale snapshot when the vendor fails (stale-if-error), never a fallback', async () => {
    stack.simulators.chargebee.kit.reset();
    const healthy = await check('c1', 'user-licenses');
    expect(healthy.status).toBe(200);
    const real = CheckResultSchema.parse(await healthy.json());
    // c1's documented quantities sum to 13; the static fallback says 5 and allow says nothing.
    expect(real).toMatchObject({ hasAccess: true, limit: 13 });
    expect(real.fallback).toBeUndefined();

    clock.advance((TTL_SECONDS + 1) * 1000);
    chargebeeDown();
    const answers: CheckResult[] = [];
    const cacheStatuses: Array<string | null> = [];
    // The stale read (refreshing in the background, which fails), then the reads after that failure,
    // and a forced reload: all from the stale snapshot.
    const reads: Array<Record<string, string>> = [{}, {}, { 'cache-control': 'no-cache' }];
    for (const headers of reads) {
      const response = await check('c1', 'user-licenses', '', headers);
      expect(response.status).toBe(200);
      answers.push(CheckResultSchema.parse(await response.json()));
      cacheStatuses.push(response.headers.get('cache-status'));
      await stack.background.drain();
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ hasAccess: true, limit: 13 });
      expect(answer.fallback).toBeUndefined();
      expect(answer.vendorStatus).toBeUndefined();
    }
    expect(cacheStatuses[2]).toContain('stale-if-error');
    // A feature with a deny policy, on the same stale customer: its real answer, not the policy.
    const xero = CheckResultSchema.parse(await (await check('c1', 'xero-integration')).json());
    expect(xero.fallback).toBeUndefined();
    expect(xero.entitlement).not.toBeNull();
  });
});

describe('fallback policy on a cold customer with the vendor down', () => {
  it('deny (the default), allow and a static value answer 200 flagged with the vendor status; problem keeps the 503', async () => {
    const kit = chargebeeDown();

    const denied = await check(COLD, 'some-feature');
    expect(denied.status).toBe(200);
    const deniedBody = CheckResultSchema.parse(await denied.json());
    expect(deniedBody).toMatchObject({ ...flagged, hasAccess: false, reason: null, customerId: COLD });

    const allowed = CheckResultSchema.parse(await (await check(COLD, 'xero-integration')).json());
    expect(allowed).toMatchObject({ ...flagged, hasAccess: true, reason: null });

    const withinStatic = CheckResultSchema.parse(
      await (await check(COLD, 'user-licenses', '&requestedUsage=5')).json(),
    );
    expect(withinStatic).toMatchObject({
      ...flagged,
      hasAccess: true,
      type: 'numeric',
      limit: 5,
      remaining: 5,
      usage: null,
    });
    const overStatic = CheckResultSchema.parse(
      await (await check(COLD, 'user-licenses', '&requestedUsage=6')).json(),
    );
    expect(overStatic).toMatchObject({ ...flagged, hasAccess: false, reason: 'limit_exceeded' });

    const problem = await check(COLD, 'audit-log');
    expect(problem.status).toBe(503);
    expect(ProblemSchema.parse(await problem.json())).toMatchObject({
      code: 'vendor_unavailable',
      vendor: 'chargebee',
    });

    // The vendor was asked (and failed) before any fallback; once its circuit breaker opens, the
    // breaker's own 503 is the failure the policy answers for.
    expect(kit.recorded.length).toBeGreaterThanOrEqual(1);
    const warnings = stack.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['event'] === 'fallback_answered');
    expect(warnings.map((line) => [line['level'], line['featureKey'], line['policy']])).toEqual([
      ['warn', 'some-feature', 'deny'],
      ['warn', 'xero-integration', 'allow'],
      ['warn', 'user-licenses', 'static'],
      ['warn', 'user-licenses', 'static'],
    ]);
    // What /metrics reads (gateway_fallback_answers_total): the same four answers, by policy.
    expect(stack.platform.fallbackAnswers()).toEqual({ deny: 1, allow: 1, static: 2 });
    expect(
      warnings.every((line) => line['code'] === 'vendor_unavailable' && line['tenant'] === 'default'),
    ).toBe(true);
  });

  it('answers batch items by their features’ policies, flagged like single checks', async () => {
    chargebeeDown();
    const response = await stack.app.request('/v1/check', {
      method: 'POST',
      headers: { ...bearer(TEST_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({
        checks: [
          { customerId: COLD, vendor: 'chargebee', featureKey: 'some-feature' },
          { customerId: COLD, vendor: 'chargebee', featureKey: 'xero-integration' },
          { customerId: COLD, vendor: 'chargebee', featureKey: 'user-licenses', requestedUsage: 2 },
          { customerId: COLD, vendor: 'chargebee', featureKey: 'audit-log' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const { results } = BatchCheckResponseSchema.parse(await response.json());
    expect(
      results.map((item) =>
        item.object === 'entitlement_check' ? [item.hasAccess, item.fallback] : item.error.code,
      ),
    ).toEqual([[false, true], [true, true], [true, true], 'vendor_unavailable']);
  });
});

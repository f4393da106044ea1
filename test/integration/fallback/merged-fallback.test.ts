import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, type CheckResult, CheckResultSchema } from '../../../schemas/check';
import { ProblemSchema } from '../../../schemas/problem';
import { createTestClock } from '../../support/gateway';
import { type Simulators, startSimulators, uniqueTenantId } from '../../support/route-cache-fixture';
import {
  demoAccounts,
  type MultiVendorGateway,
  startMultiVendorGateway,
} from '../multi-vendor/multi-vendor-stack';

/**
 * Issue 17, fallback policies in merged answers, through the routes: a linked customer whose vendor
 * is down with nothing cached gets that vendor's part from the feature's policy (the catalogue
 * entry's `fallback`, the tenant's per-feature map, else its default), flagged `fallback: true` with
 * each vendor's status, logged and counted; a stale snapshot answers instead; single-vendor checks
 * read the catalogue's per-feature policy too. The rule, row by row, is pinned in
 * test/unit/multi-vendor/merged-view.test.ts.
 */

/** Chargebee's `user-licenses` of the demo account Acme (25 + 10) and Paygentic's `max_users` (its add-on's 50). */
const CHARGEBEE_SEATS = 35;
const PAYGENTIC_SEATS = 50;
const SEATS_FALLBACK_LIMIT = 5;

const catalogue = {
  seats: {
    sources: { chargebee: 'user-licenses', paygentic: 'max_users' },
    merge: 'sum',
    fallback: { hasAccess: true, limit: SEATS_FALLBACK_LIMIT },
  },
};
const tenantFallback = { default: 'deny', features: { sso: 'allow' } };

const clock = createTestClock();
let simulators: Simulators;
const gateways: MultiVendorGateway[] = [];

beforeAll(async () => {
  simulators = await startSimulators();
});

afterEach(() => {
  for (const vendor of ['zenskar', 'paygentic', 'chargebee'] as const)
    simulators.simulators[vendor].kit.reset();
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await simulators?.close();
});

/** A gateway with empty memory and no Redis (nothing cached), its own breakers, the catalogue above. */
async function coldGateway() {
  const gateway = await startMultiVendorGateway(simulators, {
    tenantId: uniqueTenantId('merged-fallback'),
    clock,
    redisUrl: null,
    features: catalogue,
    fallback: tenantFallback,
    env: { LOG_LEVEL: 'debug' },
  });
  gateways.push(gateway);
  return gateway;
}

const down = (...vendors: Array<'zenskar' | 'paygentic' | 'chargebee'>) => {
  for (const vendor of vendors)
    simulators.simulators[vendor].kit.inject({
      fault: { kind: 'status', status: 503, body: '{"message":"down"}' },
      times: Number.POSITIVE_INFINITY,
    });
};

async function check(gateway: MultiVendorGateway, path: string, headers: Record<string, string> = {}) {
  const answer = await gateway.get(path, undefined, headers);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return CheckResultSchema.parse(answer.body);
}

const statuses = (result: CheckResult) =>
  result.vendors?.map((status) => [status.vendor, status.status, status.error?.code, status.fallback]);

function fallbackLines(gateway: MultiVendorGateway) {
  return gateway.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['event'] === 'fallback_answered');
}

describe('a merged check with one linked vendor down and nothing cached', () => {
  it('takes that vendor’s part from the feature’s policy: the catalogue’s static value, the tenant’s per-feature allow, the default deny', async () => {
    const gateway = await coldGateway();
    down('paygentic');

    // Catalogue entry `seats`: Paygentic contributes the declared 5, summed with Chargebee's 35.
    const seats = await check(gateway, '/v1/customers/acme-2/entitlements/seats');
    expect(seats).toMatchObject({
      hasAccess: true,
      limit: CHARGEBEE_SEATS + SEATS_FALLBACK_LIMIT,
      fallback: true,
      partial: true,
    });
    expect(statuses(seats)).toEqual([
      ['paygentic', 'unavailable', 'vendor_unavailable', true],
      ['chargebee', 'fresh', undefined, undefined],
    ]);
    expect(seats.entitlement?.sources).toEqual([
      { vendor: 'chargebee', customerId: demoAccounts.chargebee, featureKey: 'user-licenses' },
      { vendor: 'paygentic', customerId: demoAccounts.paygentic, featureKey: 'max_users' },
    ]);
    expect(
      seats.entitlement?.grants
        .filter((grant) => grant.vendor === 'paygentic')
        .map((grant) => [grant.source, grant.limit]),
    ).toEqual([['fallback', SEATS_FALLBACK_LIMIT]]);
    // Past the merged remaining (35 + 5): refused like any quantity.
    expect(
      await check(
        gateway,
        `/v1/customers/acme-2/entitlements/seats?requestedUsage=${CHARGEBEE_SEATS + SEATS_FALLBACK_LIMIT + 1}`,
      ),
    ).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', fallback: true });

    // `sso` (no catalogue entry; `allow` in the tenant's map): Paygentic's part is a fallback grant.
    const sso = await check(gateway, '/v1/customers/acme-2/entitlements/sso');
    expect(sso).toMatchObject({ hasAccess: true, fallback: true });
    expect(
      sso.entitlement?.grants.some((grant) => grant.vendor === 'paygentic' && grant.source === 'fallback'),
    ).toBe(true);

    // Default deny: Paygentic contributes nothing; Chargebee's own api-calls still answer.
    const apiCalls = await check(gateway, '/v1/customers/acme-2/entitlements/api-calls');
    expect(apiCalls).toMatchObject({ hasAccess: true, fallback: true, limit: 7000 });
    expect(apiCalls.entitlement?.sources?.map((source) => source.vendor)).toEqual(['chargebee']);
    // A feature only Paygentic holds: denied, and the gateway does not know why.
    expect(await check(gateway, '/v1/customers/acme-2/entitlements/audit_log')).toMatchObject({
      hasAccess: false,
      reason: null,
      type: null,
      fallback: true,
    });

    // Logged at warn, once per answer, naming every vendor stood in for; counted by policy.
    expect(
      fallbackLines(gateway).map((line) => [
        line['level'],
        line['featureKey'],
        line['policy'],
        line['vendors'],
      ]),
    ).toEqual([
      ['warn', 'seats', 'static', ['paygentic']],
      ['warn', 'seats', 'static', ['paygentic']],
      ['warn', 'sso', 'allow', ['paygentic']],
      ['warn', 'api-calls', 'deny', ['paygentic']],
      ['warn', 'audit_log', 'deny', ['paygentic']],
    ]);
    expect(fallbackLines(gateway).every((line) => line['code'] === 'vendor_unavailable')).toBe(true);
    expect(gateway.platform.fallbackAnswers()).toEqual({ deny: 2, allow: 1, static: 2 });
  });

  it('answers batch items the same way, item by item, beside single-vendor items', async () => {
    const gateway = await coldGateway();
    down('paygentic');
    const answer = await gateway.post('/v1/check', {
      checks: [
        { customerId: 'acme-2', featureKey: 'seats' },
        { customerId: 'acme-2', featureKey: 'audit_log' },
        { customerId: 'acme-2', vendor: 'chargebee', featureKey: 'seats' },
      ],
    });
    expect(answer.status).toBe(200);
    const { results } = BatchCheckResponseSchema.parse(answer.body);
    expect(results[0]).toMatchObject({ limit: CHARGEBEE_SEATS + SEATS_FALLBACK_LIMIT, fallback: true });
    expect(results[1]).toMatchObject({ hasAccess: false, reason: null, fallback: true });
    // Chargebee alone answered from its data: no flag.
    expect(results[2]).toMatchObject({ vendor: 'chargebee', limit: CHARGEBEE_SEATS });
    expect(results[2]).not.toHaveProperty('fallback');
  });

  it('a vendor the feature does not depend on leaves the answer partial, never flagged', async () => {
    const gateway = await coldGateway();
    // acme-3 is linked to Zenskar too, which `seats` does not map.
    down('zenskar');
    const seats = await check(gateway, '/v1/customers/acme-3/entitlements/seats');
    expect(seats).toMatchObject({ limit: CHARGEBEE_SEATS + PAYGENTIC_SEATS, partial: true });
    expect(seats).not.toHaveProperty('fallback');
    expect(fallbackLines(gateway)).toEqual([]);
  });
});

describe('stale data wins over the policy', () => {
  it('a vendor whose reload fails serves its cached snapshot (stale with an error), never the policy', async () => {
    const gateway = await coldGateway();
    expect(await check(gateway, '/v1/customers/acme-2/entitlements/seats')).toMatchObject({
      limit: CHARGEBEE_SEATS + PAYGENTIC_SEATS,
    });
    down('paygentic');
    // A forced reload fails at Paygentic: its snapshot answers, flagged stale-if-error.
    const seats = await check(gateway, '/v1/customers/acme-2/entitlements/seats', {
      'cache-control': 'no-cache',
    });
    expect(seats).toMatchObject({ limit: CHARGEBEE_SEATS + PAYGENTIC_SEATS, partial: true });
    expect(seats).not.toHaveProperty('fallback');
    expect(statuses(seats)).toEqual([
      ['paygentic', 'stale', 'vendor_unavailable', undefined],
      ['chargebee', 'fresh', undefined, undefined],
    ]);
    expect(fallbackLines(gateway)).toEqual([]);
  });
});

describe('every linked vendor down', () => {
  it('a check is the policy (each vendor down contributes the static value once); the list stays the failure', async () => {
    const gateway = await coldGateway();
    down('zenskar', 'paygentic', 'chargebee');
    const seats = await check(gateway, '/v1/customers/acme-3/entitlements/seats');
    expect(seats).toMatchObject({ hasAccess: true, limit: 2 * SEATS_FALLBACK_LIMIT, fallback: true });
    // Zenskar is down too, but `seats` does not depend on it: reported, not stood in for.
    expect(statuses(seats)).toEqual([
      ['zenskar', 'unavailable', 'vendor_unavailable', undefined],
      ['paygentic', 'unavailable', 'vendor_unavailable', true],
      ['chargebee', 'unavailable', 'vendor_unavailable', true],
    ]);
    const denied = await check(gateway, '/v1/customers/acme-3/entitlements/api-calls');
    expect(denied).toMatchObject({ hasAccess: false, reason: null, fallback: true });
    const list = await gateway.get('/v1/customers/acme-3/entitlements');
    expect(list.status).toBe(503);
    expect(ProblemSchema.parse(list.body)).toMatchObject({ code: 'vendor_unavailable' });
  });
});

describe('the catalogue’s per-feature policy on single-vendor checks', () => {
  it('a cold vendor customer with Chargebee down gets the catalogue’s value for an app key, the tenant’s map or default otherwise', async () => {
    const gateway = await coldGateway();
    down('chargebee');
    const seats = await check(gateway, '/v1/customers/cold-customer-17/entitlements/seats?vendor=chargebee');
    expect(seats).toMatchObject({
      hasAccess: true,
      type: 'numeric',
      limit: SEATS_FALLBACK_LIMIT,
      fallback: true,
      vendorStatus: { vendor: 'chargebee', status: 'unavailable' },
    });
    expect(
      await check(gateway, '/v1/customers/cold-customer-17/entitlements/sso?vendor=chargebee'),
    ).toMatchObject({ hasAccess: true, type: null, fallback: true });
    expect(
      await check(gateway, '/v1/customers/cold-customer-17/entitlements/api-calls?vendor=chargebee'),
    ).toMatchObject({ hasAccess: false, fallback: true });
    expect(
      fallbackLines(gateway).map((line) => [line['featureKey'], line['policy'], line['vendors']]),
    ).toEqual([
      ['seats', 'static', undefined],
      ['sso', 'allow', undefined],
      ['api-calls', 'deny', undefined],
    ]);
  });
});

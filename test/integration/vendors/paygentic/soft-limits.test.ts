import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type PaygenticCustomerFixture,
  type PaygenticStoredEntitlement,
  paygenticDemoCustomers,
  paygenticSandboxCredentials,
} from '../../../../adapters/paygentic/fixtures';
import { BatchCheckResponseSchema, type CheckResult, CheckResultSchema } from '../../../../schemas/check';
import { type DepthStack, startDepthStack } from '../../../support/depth-stack';

/**
 * Paygentic metered features checked with `requestedUsage`: whether usage may run past the balance
 * (`isSoftLimit`) is only on `GET /v1/entitlements/{id}`. The gateway asks for it only when a check
 * needs it (metered, access, requested more than remains), and caches the answer.
 */

const CUSTOMER = 'cus_depthMeter';
const SINCE = '2024-01-01T00:00:00Z';

function metered(
  id: string,
  featureKey: string,
  granted: number,
  used: number,
  isSoftLimit: boolean,
): PaygenticStoredEntitlement {
  return {
    id,
    customerId: CUSTOMER,
    productId: 'prod_depth',
    subscriptionId: 'sub_depth',
    featureId: `feat_${featureKey.replace(/[^a-z0-9]/gi, '')}`,
    featureKey,
    featureType: 'metered',
    activeFrom: SINCE,
    activeTo: null,
    canceledAt: null,
    config: null,
    metadata: {},
    metering: {
      usagePeriod: null,
      isSoftLimit,
      grants: [{ id: `grt_${id.slice(4)}`, amount: granted, effectiveAt: SINCE, expiresAt: null }],
      usage: [{ at: '2024-02-01T00:00:00Z', amount: used }],
    },
  };
}

const customer: PaygenticCustomerFixture = {
  customerId: CUSTOMER,
  description: 'soft and hard metered limits',
  entitlements: [
    metered('ent_depthSoft', 'soft-tokens', 100, 30, true),
    metered('ent_depthHard', 'hard-tokens', 100, 30, false),
    metered('ent_depthSoftDry', 'soft-dry', 50, 80, true),
    metered('ent_depthHardDry', 'hard-dry', 50, 50, false),
    {
      ...metered('ent_depthSeats', 'seats', 0, 0, false),
      featureType: 'static',
      config: { limit: 10 },
      metering: null,
    },
  ],
};

let stack: DepthStack;

beforeAll(async () => {
  stack = await startDepthStack({
    tenants: [{ name: 'meter', vendors: ['paygentic'] }],
    paygentic: { customers: [...paygenticDemoCustomers, customer] },
  });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.resetRecordings());

const detailCalls = () =>
  stack.simulators.paygentic.kit.recorded.filter((request) => request.path.startsWith('/v1/entitlements/'));

async function check(featureKey: string, requestedUsage?: number): Promise<CheckResult> {
  const query = requestedUsage === undefined ? '' : `?requestedUsage=${requestedUsage}`;
  const response = await stack.get('meter', `/v1/customers/${CUSTOMER}/entitlements/${featureKey}${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return CheckResultSchema.parse(response.body);
}

/** The live balance Paygentic reports for an entitlement, asked directly (the test's oracle). */
async function vendorBalance(entitlementId: string): Promise<number> {
  const recorded = stack.simulators.paygentic.kit.recorded;
  const mark = recorded.length;
  const response = await stack.simulators.paygentic.app.request(`/v1/entitlements/${entitlementId}`, {
    headers: { authorization: `Bearer ${paygenticSandboxCredentials.apiKey}` },
  });
  const detail = (await response.json()) as { balance: number };
  // The oracle's own request is not the gateway's: keep it out of the recording.
  recorded.splice(mark);
  return detail.balance;
}

describe('Paygentic soft vs hard metered limits, through the gateway', () => {
  it('soft limit: access past the balance, with the overage reported', async () => {
    const balance = await vendorBalance('ent_depthSoft');
    const requested = balance + 30;
    const result = await check('soft-tokens', requested);
    expect(result).toMatchObject({
      hasAccess: true,
      reason: null,
      type: 'metered',
      remaining: balance,
      requestedUsage: requested,
      softLimit: true,
      overage: requested - balance,
    });
    expect(detailCalls().map((request) => request.path)).toEqual(['/v1/entitlements/ent_depthSoft']);
    expect(detailCalls()[0]?.headers['authorization']).toBe(`Bearer ${paygenticSandboxCredentials.apiKey}`);
  });

  it('hard limit: no access past the balance (limit_exceeded)', async () => {
    const balance = await vendorBalance('ent_depthHard');
    const result = await check('hard-tokens', balance + 1);
    expect(result).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      remaining: balance,
      softLimit: false,
      overage: null,
    });
    expect(detailCalls().map((request) => request.path)).toEqual(['/v1/entitlements/ent_depthHard']);
  });

  it('asks for the detail only when the answer depends on it', async () => {
    const balance = await vendorBalance('ent_depthHard');
    stack.resetRecordings();
    // Within the balance, or no usage asked: the balance alone answers.
    expect(await check('hard-tokens', balance)).toMatchObject({
      hasAccess: true,
      softLimit: null,
      overage: null,
    });
    expect(await check('soft-tokens')).toMatchObject({ hasAccess: true, softLimit: null });
    // Paygentic already denies a hard limit run dry: nothing to ask.
    expect(await check('hard-dry', 1)).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      softLimit: null,
    });
    // A static numeric limit is not metered: past it is simply exceeded.
    expect(await check('seats', 11)).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      softLimit: false,
    });
    expect(detailCalls()).toHaveLength(0);
  });

  it('caches the soft-limit answer: later checks, single or batch, make no detail call', async () => {
    // soft-dry: Paygentic keeps access at a zero balance because the limit is soft.
    const first = await stack.post('meter', '/v1/check', {
      checks: [
        { customerId: CUSTOMER, featureKey: 'soft-dry', requestedUsage: 5 },
        { customerId: CUSTOMER, featureKey: 'soft-tokens', requestedUsage: 1_000 },
        { customerId: CUSTOMER, featureKey: 'hard-tokens', requestedUsage: 1_000 },
      ],
    });
    expect(first.status).toBe(200);
    expect(BatchCheckResponseSchema.parse(first.body).results[0]).toMatchObject({
      hasAccess: true,
      remaining: 0,
      softLimit: true,
      overage: 5,
    });
    // At most one detail call per entitlement (an earlier test may already have cached some).
    const asked = detailCalls().map((request) => request.path);
    expect(asked).toContain('/v1/entitlements/ent_depthSoftDry');
    expect(new Set(asked).size).toBe(asked.length);

    stack.resetRecordings();
    const batch = await stack.post('meter', '/v1/check', {
      checks: [
        { customerId: CUSTOMER, featureKey: 'soft-tokens', requestedUsage: 1_000 },
        { customerId: CUSTOMER, featureKey: 'hard-tokens', requestedUsage: 1_000 },
        { customerId: CUSTOMER, featureKey: 'soft-dry', requestedUsage: 7 },
        { customerId: CUSTOMER, featureKey: 'hard-tokens', requestedUsage: 1 },
      ],
    });
    expect(batch.status).toBe(200);
    const softBalance = await vendorBalance('ent_depthSoft');
    const results = BatchCheckResponseSchema.parse(batch.body).results;
    expect(
      results.map((result) =>
        'hasAccess' in result ? [result.hasAccess, result.softLimit, result.overage] : null,
      ),
    ).toEqual([
      [true, true, 1_000 - softBalance],
      [false, false, null],
      [true, true, 7],
      [true, null, null],
    ]);
    expect(await check('soft-tokens', 1_000)).toMatchObject({ hasAccess: true, softLimit: true });
    expect(await check('hard-tokens', 1_000)).toMatchObject({ hasAccess: false, softLimit: false });
    expect(detailCalls()).toHaveLength(0);
  });
});

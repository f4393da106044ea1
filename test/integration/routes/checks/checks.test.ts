import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargebeeSandboxCredentials } from '../../../../adapters/chargebee/fixtures';
import { paygenticSandboxCredentials } from '../../../../adapters/paygentic/fixtures';
import { type PaygenticVendorRow, paygenticVendorRows } from '../../../../adapters/paygentic/test-kit';
import { adapterFactories } from '../../../../adapters/registry';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  zenskarDemoCustomerIds,
  zenskarDemoDefinitionIds,
  zenskarFixtureUuid,
} from '../../../../adapters/zenskar/fixtures';
import { BatchCheckResponseSchema, type CheckResult, CheckResultSchema } from '../../../../schemas/check';
import { createUndiciTransport } from '../../../../src/http/undici-transport';
import { type CallResult, call, expectProblem, StatusLog } from '../../../support/crawl-support';
import { createTestGateway, TEST_KEY } from '../../../support/gateway';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * Single checks and batch checks through the gateway for
 * each vendor, over real HTTP simulators. Quantities the checks are judged against are computed
 * from the simulator's store (or Paygentic's own answer), not taken from the gateway.
 */

const log = new StatusLog();
type Stack = Awaited<ReturnType<typeof startVendorStack>>;
let stack: Stack;
let paygenticRows: PaygenticVendorRow[];

beforeAll(async () => {
  stack = await startVendorStack({
    env: { CACHE_TTL_SECONDS: '3600', PAYGENTIC_CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' },
  });
  paygenticRows = await paygenticVendorRows(
    stack.urls.paygentic,
    paygenticSandboxCredentials.apiKey,
    'cus_demoAcme',
  );
  stack.simulators.paygentic.kit.reset();
});
afterAll(async () => {
  await stack.close();
});

function checkPath(customerId: string, featureKey: string, query: Record<string, string>): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/entitlements/${encodeURIComponent(featureKey)}?${new URLSearchParams(query)}`;
}

async function check(
  customerId: string,
  featureKey: string,
  query: Record<string, string>,
): Promise<CheckResult> {
  const result = await call(stack.app, log, checkPath(customerId, featureKey, query));
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return CheckResultSchema.parse(result.body);
}

async function batch(checks: unknown[]): Promise<CallResult> {
  return call(stack.app, log, '/v1/check', { method: 'POST', body: { checks } });
}

function vendorCalls(): RecordedRequest[] {
  return [
    ...stack.simulators.chargebee.kit.recorded,
    ...stack.simulators.paygentic.kit.recorded,
    ...stack.simulators.zenskar.kit.recorded,
  ];
}

/** c1's user-licenses total, from the store: Chargebee sums quantities over active subscriptions. */
function chargebeeLicences(): number {
  const store = stack.simulators.chargebee.store;
  const active = new Set(
    store.subscriptions.filter((s) => s.customer_id === 'c1' && s.status === 'active').map((s) => s.id),
  );
  return store.subscriptionEntitlements
    .filter((row) => active.has(row.subscription_id) && row.feature_id === 'user-licenses' && row.is_enabled)
    .reduce((sum, row) => sum + Number(row.value), 0);
}

/** Acme's API-call balance at Zenskar, from the store: Σ remaining of the active, in-window rows. */
function zenskarApiCallsRemaining(): number {
  const rows = stack.simulators.zenskar.store.customers.get(zenskarDemoCustomerIds.acme)?.rows ?? [];
  const now = Date.now();
  return rows
    .filter(
      (row) =>
        row.entitlement === zenskarDemoDefinitionIds.apiCalls &&
        (row.status === 'active' || row.status === null) &&
        (row.active_from === null || Date.parse(row.active_from) <= now) &&
        (row.expiry_at === null || now < Date.parse(row.expiry_at)),
    )
    .reduce(
      (sum, row) => sum + (row.quantity_remaining ?? (row.quantity ?? 0) - (row.quantity_used ?? 0)),
      0,
    );
}

function paygenticRow(featureKey: string): PaygenticVendorRow {
  const row = paygenticRows.find((candidate) => candidate.featureKey === featureKey && candidate.hasAccess);
  if (!row) throw new Error(`no Paygentic row with access for ${featureKey}`);
  return row;
}

describe('single check: Chargebee', () => {
  it('an unknown feature → 200 hasAccess false, reason not_entitled, no entitlement', async () => {
    const result = await check('c1', 'no-such-feature', { vendor: 'chargebee' });
    expect(result).toMatchObject({
      vendor: 'chargebee',
      customerId: 'c1',
      featureKey: 'no-such-feature',
      hasAccess: false,
      reason: 'not_entitled',
      type: null,
      entitlement: null,
    });
  });

  it('an unknown customer → 404 customer_not_found naming chargebee', async () => {
    const result = await call(
      stack.app,
      log,
      checkPath('cust_missing', 'user-licenses', { vendor: 'chargebee' }),
    );
    const problem = expectProblem(result, 404, 'customer_not_found');
    expect(problem.vendor).toBe('chargebee');
  });

  it('requestedUsage up to the summed quantity is allowed, one more is limit_exceeded', async () => {
    const total = chargebeeLicences();
    expect(total).toBe(13);
    const within = await check('c1', 'user-licenses', { vendor: 'chargebee', requestedUsage: String(total) });
    expect(within).toMatchObject({ hasAccess: true, reason: null, remaining: total, requestedUsage: total });
    const over = await check('c1', 'user-licenses', {
      vendor: 'chargebee',
      requestedUsage: String(total + 1),
    });
    expect(over).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      remaining: total,
      softLimit: false,
      overage: null,
    });
  });

  it('requestedUsage does not limit an unlimited or a boolean feature', async () => {
    const unlimited = await check('cust_acme', 'storage', {
      vendor: 'chargebee',
      requestedUsage: '1000000000',
    });
    expect(unlimited).toMatchObject({ hasAccess: true, unlimited: true, remaining: null });
    const flag = await check('c1', 'xero-integration', { vendor: 'chargebee', requestedUsage: '1000' });
    expect(flag).toMatchObject({ hasAccess: true, type: 'boolean' });
  });
});

describe('single check: Zenskar', () => {
  const acme = zenskarDemoCustomerIds.acme;

  it('an unknown feature → 200 hasAccess false, reason not_entitled', async () => {
    const result = await check(acme, zenskarFixtureUuid('no-such-definition'), { vendor: 'zenskar' });
    expect(result).toMatchObject({ hasAccess: false, reason: 'not_entitled', type: null, entitlement: null });
  });

  it('an unknown customer → 404 customer_not_found naming zenskar; a non-UUID id cannot exist there → 404 before any call', async () => {
    const unknown = await call(
      stack.app,
      log,
      checkPath(zenskarFixtureUuid('no-such-customer'), zenskarDemoDefinitionIds.sso, { vendor: 'zenskar' }),
    );
    expect(expectProblem(unknown, 404, 'customer_not_found').vendor).toBe('zenskar');
    const before = vendorCalls().length;
    const malformed = await call(
      stack.app,
      log,
      checkPath('c1', zenskarDemoDefinitionIds.sso, { vendor: 'zenskar' }),
    );
    expect(expectProblem(malformed, 404, 'customer_not_found').errors).toEqual([
      expect.objectContaining({ path: 'customerId' }),
    ]);
    expect(vendorCalls().length).toBe(before);
  });

  it('requestedUsage within the remaining balance is allowed, over it is limit_exceeded (hard limit)', async () => {
    const remaining = zenskarApiCallsRemaining();
    expect(remaining).toBe(8_000);
    const within = await check(acme, zenskarDemoDefinitionIds.apiCalls, {
      vendor: 'zenskar',
      requestedUsage: String(remaining),
    });
    expect(within).toMatchObject({ hasAccess: true, type: 'metered', remaining });
    const over = await check(acme, zenskarDemoDefinitionIds.apiCalls, {
      vendor: 'zenskar',
      requestedUsage: String(remaining + 1),
    });
    expect(over).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      softLimit: false,
      overage: null,
    });
  });
});

describe('single check: Paygentic', () => {
  it('an unknown feature → 200 hasAccess false, reason not_entitled', async () => {
    const result = await check('cus_demoAcme', 'no_such_feature', { vendor: 'paygentic' });
    expect(result).toMatchObject({ hasAccess: false, reason: 'not_entitled', type: null, entitlement: null });
  });

  it('an unknown customer: Paygentic lists it as empty (its list op declares no 404), so the gateway answers 200 not_entitled and an empty list', async () => {
    const result = await check('cus_neverHeardOf', 'sso_enabled', { vendor: 'paygentic' });
    expect(result).toMatchObject({ hasAccess: false, reason: 'not_entitled', type: null });
    const list = await call(stack.app, log, '/v1/customers/cus_neverHeardOf/entitlements?vendor=paygentic');
    expect(list).toMatchObject({ status: 200, body: { data: [], totalCount: 0, nextCursor: null } });
  });

  it('a customer id that is not cus_… cannot exist at Paygentic → 404 customer_not_found before any vendor call', async () => {
    const before = vendorCalls().length;
    const result = await call(stack.app, log, checkPath('acme', 'sso_enabled', { vendor: 'paygentic' }));
    expect(expectProblem(result, 404, 'customer_not_found').errors).toEqual([
      expect.objectContaining({ path: 'customerId' }),
    ]);
    expect(vendorCalls().length).toBe(before);
  });

  it('metered hard limit: within the balance allowed; over it limit_exceeded, after asking Paygentic for isSoftLimit', async () => {
    const balance = paygenticRow('api_calls').balance;
    if (typeof balance !== 'number') throw new Error('api_calls has no balance');
    const within = await check('cus_demoAcme', 'api_calls', {
      vendor: 'paygentic',
      requestedUsage: String(balance),
    });
    expect(within).toMatchObject({ hasAccess: true, remaining: balance, softLimit: null });
    stack.simulators.paygentic.kit.reset();
    const over = await check('cus_demoAcme', 'api_calls', {
      vendor: 'paygentic',
      requestedUsage: String(balance + 1),
    });
    expect(over).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      softLimit: false,
      overage: null,
    });
    expect(stack.simulators.paygentic.kit.recorded.map((request) => request.path)).toEqual([
      '/v1/entitlements/ent_acmeApiCalls',
    ]);
    expect(stack.simulators.paygentic.kit.recorded[0]?.headers['authorization']).toBe(
      `Bearer ${paygenticSandboxCredentials.apiKey}`,
    );
  });

  it('metered soft limit: over the balance is allowed and the overage reported', async () => {
    const row = paygenticRow('ai_tokens');
    expect(row.balance).toBe(0);
    const result = await check('cus_demoAcme', 'ai_tokens', { vendor: 'paygentic', requestedUsage: '10' });
    expect(result).toMatchObject({
      hasAccess: true,
      reason: null,
      softLimit: true,
      overage: 10,
      remaining: 0,
    });
  });

  it('static numeric limit: the largest config.limit with access; over it limit_exceeded without a vendor call', async () => {
    const limits = paygenticRows
      .filter((row) => row.featureKey === 'max_users' && row.hasAccess)
      .map((row) => row.config?.['limit'] as number);
    const largest = Math.max(...limits);
    const within = await check('cus_demoAcme', 'max_users', {
      vendor: 'paygentic',
      requestedUsage: String(largest),
    });
    expect(within).toMatchObject({ hasAccess: true, type: 'numeric', limit: largest });
    stack.simulators.paygentic.kit.reset();
    const over = await check('cus_demoAcme', 'max_users', {
      vendor: 'paygentic',
      requestedUsage: String(largest + 1),
    });
    expect(over).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', softLimit: false });
    expect(stack.simulators.paygentic.kit.recorded).toHaveLength(0);
  });
});

describe('vendor selection', () => {
  it('with several vendors, leaving vendor out is 400 vendor_required on the list and the check', async () => {
    for (const path of ['/v1/customers/c1/entitlements', '/v1/customers/c1/entitlements/user-licenses']) {
      const problem = expectProblem(await call(stack.app, log, path), 400, 'vendor_required');
      expect(problem.errors).toEqual([expect.objectContaining({ path: 'vendor' })]);
    }
  });

  it('with exactly one vendor, vendor may be left out', async () => {
    const transport = createUndiciTransport();
    const single = await createTestGateway({
      env: {
        GATEWAY_API_KEYS: TEST_KEY,
        CHARGEBEE_SITE: chargebeeSandboxCredentials.site,
        CHARGEBEE_API_KEY: chargebeeSandboxCredentials.apiKey,
        CHARGEBEE_BASE_URL: stack.urls.chargebee,
        LOG_LEVEL: 'error',
      },
      adapterFactories,
      transport,
    });
    try {
      const result = await call(single.app, log, '/v1/customers/c1/entitlements/user-licenses');
      expect(result.status).toBe(200);
      expect(CheckResultSchema.parse(result.body)).toMatchObject({ vendor: 'chargebee', hasAccess: true });
      const other = await call(single.app, log, '/v1/customers/c1/entitlements?vendor=zenskar');
      expectProblem(other, 400, 'vendor_not_configured');
    } finally {
      await single.close();
      await transport.close();
    }
  });
});

describe('batch check', () => {
  /** One item of each kind for a vendor, and what each result must be. */
  function mixedItems() {
    const zenskarRemaining = zenskarApiCallsRemaining();
    return [
      // Chargebee
      {
        item: { customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses', requestedUsage: 5 },
        expect: { object: 'entitlement_check', hasAccess: true },
      },
      {
        item: { customerId: 'c1', vendor: 'chargebee', featureKey: 'no-such-feature' },
        expect: { object: 'entitlement_check', hasAccess: false, reason: 'not_entitled' },
      },
      {
        item: { customerId: 'cust_missing', vendor: 'chargebee', featureKey: 'sso' },
        expect: {
          object: 'entitlement_check_error',
          vendor: 'chargebee',
          error: { status: 404, code: 'customer_not_found' },
        },
      },
      {
        item: { customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses', requestedUsage: 14 },
        expect: { object: 'entitlement_check', hasAccess: false, reason: 'limit_exceeded' },
      },
      // Zenskar
      {
        item: {
          customerId: zenskarDemoCustomerIds.acme,
          vendor: 'zenskar',
          featureKey: zenskarDemoDefinitionIds.apiCalls,
          requestedUsage: zenskarRemaining,
        },
        expect: { object: 'entitlement_check', hasAccess: true },
      },
      {
        item: {
          customerId: zenskarDemoCustomerIds.acme,
          vendor: 'zenskar',
          featureKey: zenskarDemoDefinitionIds.apiCalls,
          requestedUsage: zenskarRemaining + 1,
        },
        expect: { object: 'entitlement_check', hasAccess: false, reason: 'limit_exceeded' },
      },
      {
        item: { customerId: zenskarFixtureUuid('batch-unknown'), vendor: 'zenskar', featureKey: 'x' },
        expect: {
          object: 'entitlement_check_error',
          vendor: 'zenskar',
          error: { status: 404, code: 'customer_not_found' },
        },
      },
      {
        item: { customerId: 'not-a-uuid', vendor: 'zenskar', featureKey: 'x' },
        expect: {
          object: 'entitlement_check_error',
          vendor: 'zenskar',
          error: { status: 404, code: 'customer_not_found' },
        },
      },
      // Paygentic
      {
        item: { customerId: 'cus_demoAcme', vendor: 'paygentic', featureKey: 'sso_enabled' },
        expect: { object: 'entitlement_check', hasAccess: true },
      },
      {
        item: { customerId: 'cus_demoAcme', vendor: 'paygentic', featureKey: 'audit_log' },
        expect: { object: 'entitlement_check', hasAccess: false, reason: 'disabled' },
      },
      {
        item: { customerId: 'cus_neverHeardOf', vendor: 'paygentic', featureKey: 'sso_enabled' },
        expect: { object: 'entitlement_check', hasAccess: false, reason: 'not_entitled' },
      },
      {
        item: { customerId: 'acme', vendor: 'paygentic', featureKey: 'sso_enabled' },
        expect: {
          object: 'entitlement_check_error',
          vendor: 'paygentic',
          error: { status: 404, code: 'customer_not_found' },
        },
      },
      {
        item: {
          customerId: 'cus_demoAcme',
          vendor: 'paygentic',
          featureKey: 'ai_tokens',
          requestedUsage: 10,
        },
        expect: { object: 'entitlement_check', hasAccess: true, softLimit: true, overage: 10 },
      },
      // No vendor while the tenant has three.
      {
        item: { customerId: 'c1', featureKey: 'user-licenses' },
        expect: {
          object: 'entitlement_check_error',
          vendor: null,
          error: { status: 400, code: 'vendor_required' },
        },
      },
    ] as const;
  }

  it('mixed good and bad items for every vendor: 200, results in request order, per-item errors', async () => {
    const cases = mixedItems();
    // Shuffled twice over, so order is not an accident of grouping by vendor.
    const ordered = [...cases, ...[...cases].reverse()];
    const result = await batch(ordered.map((entry) => entry.item));
    expect(result.status).toBe(200);
    const body = BatchCheckResponseSchema.parse(result.body);
    expect(body.results).toHaveLength(ordered.length);
    body.results.forEach((answer, index) => {
      const entry = ordered[index];
      expect({ index, customerId: answer.customerId, featureKey: answer.featureKey }).toEqual({
        index,
        customerId: entry?.item.customerId,
        featureKey: entry?.item.featureKey,
      });
      expect(answer).toMatchObject(entry?.expect ?? {});
    });
  });

  it('one customer named 100 times is loaded once', async () => {
    await call(stack.app, log, '/v1/customers/cust_globex/entitlements/refresh?vendor=chargebee', {
      method: 'POST',
    });
    const refreshCalls = stack.simulators.chargebee.kit.recorded.length;
    const items = Array.from({ length: 100 }, (_, index) => ({
      customerId: 'cust_globex',
      vendor: 'chargebee',
      featureKey: index % 2 === 0 ? 'sso' : 'user-licenses',
    }));
    const result = await batch(items);
    const body = BatchCheckResponseSchema.parse(result.body);
    expect(body.results.map((answer) => answer.object)).toEqual(items.map(() => 'entitlement_check'));
    // Served from the snapshot the refresh stored: no call at all, not 100.
    expect(stack.simulators.chargebee.kit.recorded.length).toBe(refreshCalls);
    expect(body.results[0]).toMatchObject({ hasAccess: false, reason: 'disabled' });
    expect(body.results[1]).toMatchObject({ hasAccess: false, reason: 'not_entitled' });
  });

  it('0 items or 101 items → 400 for the whole request; a bad item fails alone with its own problem', async () => {
    const item = { customerId: 'c1', vendor: 'chargebee', featureKey: 'sso' };
    expectProblem(await batch([]), 400, 'validation_failed');
    expectProblem(await batch(Array.from({ length: 101 }, () => item)), 400, 'validation_failed');
    const mixed = await batch([
      { ...item, requestedUsage: -1 },
      item,
      { ...item, vendor: 'not-a-vendor' },
      'not an object',
    ]);
    expect(mixed.status).toBe(200);
    const body = BatchCheckResponseSchema.parse(mixed.body);
    expect(body.results.map((answer) => answer.object)).toEqual([
      'entitlement_check_error',
      'entitlement_check',
      'entitlement_check_error',
      'entitlement_check_error',
    ]);
    expect(body.results[0]).toMatchObject({
      customerId: 'c1',
      vendor: 'chargebee',
      error: { status: 400, code: 'validation_failed', errors: [{ path: 'body.checks.0.requestedUsage' }] },
    });
    expect(body.results[2]).toMatchObject({
      vendor: null,
      error: { errors: [{ path: 'body.checks.2.vendor' }] },
    });
    expect(body.results[3]).toMatchObject({
      customerId: '',
      featureKey: '',
      error: { code: 'validation_failed' },
    });
  });
});

describe('checks suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.seen.length).toBeGreaterThan(20);
    expect(log.serverErrors()).toEqual([]);
  });
});

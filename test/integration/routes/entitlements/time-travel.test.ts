import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paygenticSandboxCredentials } from '../../../../adapters/paygentic/fixtures';
import { zenskarDemoCustomerIds, zenskarDemoDefinitionIds } from '../../../../adapters/zenskar/fixtures';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../../schemas/check';
import type { VendorId } from '../../../../schemas/entitlement';
import { EntitlementListSchema } from '../../../../schemas/page';
import { cacheKey } from '../../../../src/cache/cache-key';
import { type DepthStack, startDepthStack } from '../../../support/depth-stack';

/**
 * `at` (evaluate at an instant) through the gateway, per vendor:
 * - Paygentic evaluates time itself: `at` goes to the vendor on every page, and the answer is cached
 *   under its own key (`<customerId>@<ISO instant>`), apart from "now" and from other instants.
 * - Zenskar and Chargebee rows carry validity windows: the gateway applies `at` to the cached
 *   snapshot of "now", so any `at` costs no vendor call once the customer is cached.
 */

const PAST = '2024-02-15T00:00:00Z';
const FUTURE = '2099-06-01T00:00:00Z';

let stack: DepthStack;

beforeAll(async () => {
  stack = await startDepthStack({
    // Chargebee reads subscription_entitlements, the only source that carries override dates.
    tenants: [
      {
        name: 'all',
        vendors: ['zenskar', 'paygentic', 'chargebee'],
        connections: { chargebee: { entitlementSource: 'subscription_entitlements' } },
      },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.resetRecordings());

async function check(vendor: VendorId, customerId: string, featureKey: string, at?: string) {
  const query = new URLSearchParams({ vendor, ...(at === undefined ? {} : { at }) });
  const response = await stack.get(
    'all',
    `/v1/customers/${encodeURIComponent(customerId)}/entitlements/${encodeURIComponent(featureKey)}?${query}`,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return CheckResultSchema.parse(response.body);
}

async function listAll(vendor: VendorId, customerId: string, at?: string) {
  const response = await stack.get(
    'all',
    `/v1/customers/${encodeURIComponent(customerId)}/entitlements?${new URLSearchParams({ vendor, limit: '100', ...(at === undefined ? {} : { at }) })}`,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return EntitlementListSchema.parse(response.body);
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('Paygentic: `at` is evaluated by the vendor', () => {
  const paygenticListCalls = () =>
    stack.simulators.paygentic.kit.recorded.filter((request) => request.path === '/v1/entitlements');

  /** Which features Paygentic itself says are granted at `at` (any row with access), asked directly. */
  async function vendorAnswer(customerId: string, at: string): Promise<Map<string, boolean>> {
    const answer = new Map<string, boolean>();
    const recorded = stack.simulators.paygentic.kit.recorded;
    const mark = recorded.length;
    for (let offset = 0; ; offset += 100) {
      const response = await stack.simulators.paygentic.app.request(
        `/v1/entitlements?${new URLSearchParams({ customerId, at, limit: '100', offset: String(offset) })}`,
        { headers: { authorization: `Bearer ${paygenticSandboxCredentials.apiKey}` } },
      );
      const page = (await response.json()) as {
        data: Array<{ featureKey: string; hasAccess: boolean }>;
        pagination: { total: number };
      };
      for (const row of page.data)
        answer.set(row.featureKey, (answer.get(row.featureKey) ?? false) || row.hasAccess);
      if (offset + 100 >= page.pagination.total) {
        // The oracle's own requests are not the gateway's: keep them out of the recording.
        recorded.splice(mark);
        return answer;
      }
    }
  }

  it('sends `at` on every page of a many-page customer', async () => {
    const list = await listAll('paygentic', 'cus_demoBigco', PAST);
    expect(list.totalCount).toBeGreaterThan(100);
    const calls = paygenticListCalls();
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const request of calls) {
      expect(request.query).toMatchObject({ customerId: ['cus_demoBigco'], at: [PAST], limit: ['100'] });
    }
    expect(new Set(calls.map((request) => request.query['offset']?.[0] ?? '0')).size).toBe(calls.length);
  });

  it("answers a past and a future `at` with the vendor's own answer for that instant", async () => {
    for (const at of [PAST, FUTURE]) {
      const list = await listAll('paygentic', 'cus_demoAcme', at);
      const vendor = await vendorAnswer('cus_demoAcme', at);
      expect(
        new Map(list.data.map((entitlement) => [entitlement.featureKey, entitlement.hasAccess])),
      ).toEqual(vendor);
    }
    // The fixture's story, as a sanity check that the instants matter: the legacy plan (canceled
    // 2025-03-01) still granted audit_log in 2024; beta_agents starts in 2099.
    expect(await check('paygentic', 'cus_demoAcme', 'audit_log', PAST)).toMatchObject({ hasAccess: true });
    expect(await check('paygentic', 'cus_demoAcme', 'audit_log')).toMatchObject({
      hasAccess: false,
      reason: 'disabled',
    });
    expect(await check('paygentic', 'cus_demoAcme', 'beta_agents', FUTURE)).toMatchObject({
      hasAccess: true,
    });
    expect(await check('paygentic', 'cus_demoAcme', 'beta_agents')).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
    });
  });

  it('caches each instant under its own key, apart from "now"', async () => {
    const customer = 'cus_demoLapsed';
    const before = '2025-04-01T00:00:00Z';
    expect(await check('paygentic', customer, 'sso_enabled', before)).toMatchObject({ hasAccess: true });
    expect(paygenticListCalls()).toHaveLength(1);
    expect(paygenticListCalls()[0]?.query['at']).toEqual([before]);

    // The same instant again, also spelled with an offset: served from its entry.
    stack.resetRecordings();
    expect(await check('paygentic', customer, 'sso_enabled', before)).toMatchObject({ hasAccess: true });
    expect(await check('paygentic', customer, 'sso_enabled', '2025-04-01T02:00:00+02:00')).toMatchObject({
      hasAccess: true,
    });
    expect(paygenticListCalls()).toHaveLength(0);

    // "Now" is another entry, loaded without `at`; the instant's entry is still there afterwards.
    expect(await check('paygentic', customer, 'sso_enabled')).toMatchObject({
      hasAccess: false,
      reason: 'disabled',
    });
    expect(paygenticListCalls()).toHaveLength(1);
    expect(paygenticListCalls()[0]?.query['at']).toBeUndefined();
    stack.resetRecordings();
    expect(await check('paygentic', customer, 'sso_enabled', before)).toMatchObject({ hasAccess: true });
    expect(await check('paygentic', customer, 'sso_enabled')).toMatchObject({ hasAccess: false });
    expect(paygenticListCalls()).toHaveLength(0);

    // The entries' keys: `<customerId>@<ISO instant>` beside the plain customer id.
    const keys = stack.platform.cacheState.memory.keys();
    const key = (id: string) =>
      cacheKey({ tenant: stack.tenantId('all'), vendor: 'paygentic', namespace: 'snapshot', id });
    expect(keys).toContain(key(customer));
    expect(keys).toContain(key(`${customer}@2025-04-01T00:00:00.000Z`));
  });

  it('passes `at` from batch items too, each instant loaded once', async () => {
    const instant = '2025-04-10T00:00:00Z';
    // "Now" cached first, so the batch's only load is the new instant's.
    await check('paygentic', 'cus_demoLapsed', 'api_calls');
    stack.resetRecordings();
    const response = await stack.post('all', '/v1/check', {
      checks: [
        { customerId: 'cus_demoLapsed', vendor: 'paygentic', featureKey: 'api_calls', at: instant },
        { customerId: 'cus_demoLapsed', vendor: 'paygentic', featureKey: 'sso_enabled', at: instant },
        { customerId: 'cus_demoLapsed', vendor: 'paygentic', featureKey: 'api_calls' },
      ],
    });
    expect(response.status).toBe(200);
    const { results } = BatchCheckResponseSchema.parse(response.body);
    expect(results.map((result) => ('hasAccess' in result ? result.hasAccess : null))).toEqual([
      true,
      true,
      false,
    ]);
    expect(paygenticListCalls().map((request) => request.query['at'])).toEqual([[instant]]);
  });
});

describe('Zenskar: `at` is applied by the gateway to the rows of the cached snapshot', () => {
  const zenskarCalls = () => stack.simulators.zenskar.kit.recorded;
  const rowOf = (customerId: string, definition: string) => {
    const row = stack.simulators.zenskar.store.customers
      .get(customerId)
      ?.rows.find((candidate) => candidate.entitlement === definition);
    if (!row) throw new Error('the demo fixtures changed');
    return row;
  };

  it('answers past and future instants from one load', async () => {
    const acme = zenskarDemoCustomerIds.acme;
    const globex = zenskarDemoCustomerIds.globex;
    await listAll('zenskar', acme);
    await listAll('zenskar', globex);
    expect(zenskarCalls()).toHaveLength(2);
    stack.resetRecordings();

    // A grant that starts in the future (Acme's audit log).
    const starts = Date.parse(rowOf(acme, zenskarDemoDefinitionIds.auditLog).active_from ?? '');
    expect(await check('zenskar', acme, zenskarDemoDefinitionIds.auditLog)).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
    });
    expect(await check('zenskar', acme, zenskarDemoDefinitionIds.auditLog, iso(starts - 1))).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
    });
    expect(await check('zenskar', acme, zenskarDemoDefinitionIds.auditLog, iso(starts))).toMatchObject({
      hasAccess: true,
    });

    // A grant whose window ended (Globex's API calls, still `active` at the vendor).
    const ends = Date.parse(rowOf(globex, zenskarDemoDefinitionIds.apiCalls).expiry_at ?? '');
    const past = await check('zenskar', globex, zenskarDemoDefinitionIds.apiCalls, iso(ends - 1));
    const row = rowOf(globex, zenskarDemoDefinitionIds.apiCalls);
    expect(past).toMatchObject({ hasAccess: true, limit: row.quantity, usage: row.quantity_used });
    expect(await check('zenskar', globex, zenskarDemoDefinitionIds.apiCalls, iso(ends))).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });
    expect(await check('zenskar', globex, zenskarDemoDefinitionIds.apiCalls)).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });

    // Lists at an instant too; none of it asked Zenskar anything.
    const future = await listAll('zenskar', acme, FUTURE);
    expect(
      future.data.find((entitlement) => entitlement.featureKey === zenskarDemoDefinitionIds.auditLog),
    ).toMatchObject({
      hasAccess: true,
    });
    expect(zenskarCalls()).toHaveLength(0);
  });
});

describe('Chargebee: `at` is applied by the gateway to subscription entitlement dates', () => {
  const chargebeeCalls = () => stack.simulators.chargebee.kit.recorded;
  const rowOf = (subscriptionId: string, featureId: string) => {
    const row = stack.simulators.chargebee.store.subscriptionEntitlements.find(
      (candidate) => candidate.subscription_id === subscriptionId && candidate.feature_id === featureId,
    );
    if (!row) throw new Error('the demo dataset changed');
    return row;
  };

  it('answers past and future instants from one load, whichever comes first', async () => {
    // An override that expired (support-level) and one scheduled for the future (storage).
    const expired = rowOf('sub_globex', 'support-level');
    const scheduled = rowOf('sub_globex', 'storage');
    const expiredAt = (expired.expires_at ?? 0) * 1000;
    const startsAt = (scheduled.effective_from ?? 0) * 1000;
    const endsAt = (scheduled.expires_at ?? 0) * 1000;

    // The first request names an instant: the snapshot of "now" is loaded once and serves it.
    expect(await check('chargebee', 'cust_globex', 'support-level', iso(expiredAt - 1000))).toMatchObject({
      hasAccess: true,
      value: expired.value,
    });
    const loadCalls = chargebeeCalls().length;
    expect(loadCalls).toBeGreaterThan(0);
    stack.resetRecordings();

    expect(await check('chargebee', 'cust_globex', 'support-level', iso(expiredAt))).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });
    expect(await check('chargebee', 'cust_globex', 'support-level')).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });

    expect(await check('chargebee', 'cust_globex', 'storage')).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
    });
    expect(await check('chargebee', 'cust_globex', 'storage', iso(startsAt))).toMatchObject({
      hasAccess: true,
      value: scheduled.value,
      limit: Number(scheduled.value),
    });
    expect(await check('chargebee', 'cust_globex', 'storage', iso(endsAt))).toMatchObject({
      hasAccess: false,
      reason: 'expired',
    });
    const future = await listAll('chargebee', 'cust_globex', iso(startsAt));
    expect(future.data.find((entitlement) => entitlement.featureKey === 'storage')).toMatchObject({
      hasAccess: true,
    });
    expect(chargebeeCalls()).toHaveLength(0);
  });
});

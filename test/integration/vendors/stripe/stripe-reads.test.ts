import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../../schemas/check';
import { EntitlementListSchema } from '../../../../schemas/page';
import { expectProblem } from '../../../shared/route-suite-target';
import { TEST_KEY } from '../../../support/gateway';
import { type GatewayStack, startGatewayStack } from '../../../support/gateway-stack';
import {
  BIG_CUSTOMER,
  BIG_FEATURE_COUNT,
  expectDocumentedListRequest,
  listRequests,
  stripeSeed,
  stripeSuiteEnv,
} from './stripe-support';

/**
 * Stripe through the gateway: list crawls at limits 1, 7, 50 and 100 over a customer spanning three
 * Stripe pages, checks, batches, unknown and impossible customers, with the outgoing Stripe requests
 * asserted. Expected feature sets come from the simulator's store, never from the gateway.
 */

const LIMITS = [1, 7, 50, 100] as const;

function expectedKeys(stack: GatewayStack, customerId: string): string[] {
  const held = stack.simulators.stripe.store.customers.get(customerId) ?? [];
  const keys = held.map(
    (entitlement) => stack.simulators.stripe.store.features.get(entitlement.featureId)?.lookupKey ?? '',
  );
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function crawl(stack: GatewayStack, customerId: string, limit: number) {
  const keys: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ vendor: 'stripe', limit: String(limit) });
    if (cursor !== null) query.set('cursor', cursor);
    const response = await stack.call(`/v1/customers/${customerId}/entitlements?${query}`);
    expect(response.status).toBe(200);
    const page = EntitlementListSchema.parse(await response.json());
    pages += 1;
    expect(page.data.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== null) expect(page.data).toHaveLength(limit);
    for (const entitlement of page.data) {
      expect(entitlement).toMatchObject({ vendor: 'stripe', customerId, type: 'boolean', hasAccess: true });
    }
    keys.push(...page.data.map((entitlement) => entitlement.featureKey));
    cursor = page.nextCursor;
    expect(pages).toBeLessThanOrEqual(BIG_FEATURE_COUNT + 1);
  } while (cursor !== null);
  return { keys, pages };
}

describe('Stripe through the gateway: reads', () => {
  let stack: GatewayStack;
  beforeAll(async () => {
    stack = await startGatewayStack({
      simulators: { stripe: stripeSeed },
      apiKey: TEST_KEY,
      env: stripeSuiteEnv,
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('crawls at limits 1, 7, 50 and 100 return every feature exactly once, in order, from one keyset load of three Stripe pages', async () => {
    const expected = expectedKeys(stack, BIG_CUSTOMER);
    expect(expected).toHaveLength(BIG_FEATURE_COUNT);
    stack.simulators.stripe.kit.reset();
    for (const limit of LIMITS) {
      const { keys, pages } = await crawl(stack, BIG_CUSTOMER, limit);
      expect(keys, `limit=${limit}`).toEqual(expected);
      expect(pages, `limit=${limit}`).toBe(Math.ceil(BIG_FEATURE_COUNT / limit));
    }
    // Stripe was read once, page after page, each page the documented request; the crawls were
    // then served from the cached snapshot.
    const requests = listRequests(stack.simulators.stripe, BIG_CUSTOMER);
    expect(requests.map((request) => request.query['starting_after']?.[0] ?? null)).toEqual([
      null,
      'ent_integrationBigF0099',
      'ent_integrationBigF0199',
    ]);
    for (const request of requests) expectDocumentedListRequest(request, BIG_CUSTOMER);
  });

  it('include=raw: a whole crawl returns every Stripe row exactly once, one raw row per grant', async () => {
    const rawIds: string[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ vendor: 'stripe', limit: '50', include: 'raw' });
      if (cursor !== null) query.set('cursor', cursor);
      const page = EntitlementListSchema.parse(
        await (await stack.call(`/v1/customers/${BIG_CUSTOMER}/entitlements?${query}`)).json(),
      );
      for (const entitlement of page.data) {
        expect(entitlement.raw).toHaveLength(entitlement.grants.length);
        rawIds.push(...(entitlement.raw ?? []).map((row) => (row as { id: string }).id));
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    const expected =
      stack.simulators.stripe.store.customers.get(BIG_CUSTOMER)?.map((entitlement) => entitlement.id) ?? [];
    expect([...rawIds].sort()).toEqual([...expected].sort());
  });

  it('lists the demo customer with feature names, an archived feature still granted, and grants naming the ent_ rows', async () => {
    const response = await stack.call('/v1/customers/cus_demoAcme/entitlements?vendor=stripe');
    const page = EntitlementListSchema.parse(await response.json());
    expect(page.data.map((entitlement) => [entitlement.featureKey, entitlement.featureName])).toEqual([
      ['api_access', 'API access'],
      ['audit_log', 'Audit log'],
      ['legacy_reports', 'Legacy reports'],
      ['sso', 'Single sign-on'],
    ]);
    expect(page.data.find((entitlement) => entitlement.featureKey === 'sso')?.grants).toEqual([
      expect.objectContaining({
        source: 'active_entitlement',
        sourceId: 'feat_demoSso',
        vendorId: 'ent_demoAcmeSso',
      }),
    ]);
  });

  it('a customer holding nothing lists nothing (200), and its checks are not_entitled', async () => {
    const list = EntitlementListSchema.parse(
      await (await stack.call('/v1/customers/cus_demoNone/entitlements?vendor=stripe')).json(),
    );
    expect(list).toMatchObject({ data: [], totalCount: 0, nextCursor: null });
    const check = await stack.call('/v1/customers/cus_demoNone/entitlements/sso?vendor=stripe');
    expect(check.status).toBe(200);
    expect(CheckResultSchema.parse(await check.json())).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
    });
  });

  it('checks: a held feature has access; a feature not held is not_entitled', async () => {
    const held = CheckResultSchema.parse(
      await (await stack.call('/v1/customers/cus_demoStarter/entitlements/api_access?vendor=stripe')).json(),
    );
    expect(held).toMatchObject({
      vendor: 'stripe',
      customerId: 'cus_demoStarter',
      featureKey: 'api_access',
      hasAccess: true,
      reason: null,
    });
    const missing = CheckResultSchema.parse(
      await (await stack.call('/v1/customers/cus_demoStarter/entitlements/sso?vendor=stripe')).json(),
    );
    expect(missing).toMatchObject({ hasAccess: false, reason: 'not_entitled' });
  });

  it('batch: each item answered on its own, an unknown and an impossible customer failing alone', async () => {
    const checks = [
      { customerId: 'cus_demoAcme', vendor: 'stripe', featureKey: 'sso' },
      { customerId: BIG_CUSTOMER, vendor: 'stripe', featureKey: 'feature-0249' },
      { customerId: 'cus_demoStarter', vendor: 'stripe', featureKey: 'audit_log' },
      { customerId: 'cus_nobodyHere', vendor: 'stripe', featureKey: 'sso' },
      { customerId: 'acme', vendor: 'stripe', featureKey: 'sso' },
    ];
    const response = await stack.call('/v1/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checks }),
    });
    expect(response.status).toBe(200);
    const { results } = BatchCheckResponseSchema.parse(await response.json());
    expect(
      results.map((result) => (result.object === 'entitlement_check' ? result.hasAccess : result.error.code)),
    ).toEqual([true, true, false, 'customer_not_found', 'customer_not_found']);
  });

  it('an unknown customer is a 404 customer_not_found problem, remembered without asking Stripe again', async () => {
    stack.simulators.stripe.kit.reset();
    await expectProblem(
      await stack.call('/v1/customers/cus_unknownOne/entitlements?vendor=stripe'),
      404,
      'customer_not_found',
    );
    await expectProblem(
      await stack.call('/v1/customers/cus_unknownOne/entitlements?vendor=stripe'),
      404,
      'customer_not_found',
    );
    const requests = listRequests(stack.simulators.stripe, 'cus_unknownOne');
    expect(requests).toHaveLength(1);
    expectDocumentedListRequest(requests[0], 'cus_unknownOne');
  });

  it.each(['acme', 'cus_', 'cus_a-b', 'CUS_abc', 'sub_123'])(
    'an id that cannot be a Stripe customer (%s) is a 404 without a Stripe call',
    async (customerId) => {
      stack.simulators.stripe.kit.reset();
      await expectProblem(
        await stack.call(`/v1/customers/${encodeURIComponent(customerId)}/entitlements?vendor=stripe`),
        404,
        'customer_not_found',
      );
      expect(stack.simulators.stripe.kit.recorded).toHaveLength(0);
    },
  );
});

describe('Stripe through the gateway: Stripe answers an unknown customer with 404', () => {
  let stack: GatewayStack;
  beforeAll(async () => {
    stack = await startGatewayStack({
      simulators: { stripe: { ...stripeSeed, unknownCustomerStatus: 404 } },
      apiKey: TEST_KEY,
      env: stripeSuiteEnv,
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is customer_not_found too', async () => {
    await expectProblem(
      await stack.call('/v1/customers/cus_unknownTwo/entitlements?vendor=stripe'),
      404,
      'customer_not_found',
    );
  });
});

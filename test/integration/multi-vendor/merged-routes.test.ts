import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../schemas/check';
import type { Entitlement } from '../../../schemas/entitlement';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { createTestClock } from '../../support/gateway';
import {
  openTenantRedis,
  requestsTo,
  type Simulators,
  startSimulators,
  uniqueTenantId,
  WEBHOOK_CREDENTIALS,
} from '../../support/route-cache-fixture';
import {
  demoAccounts,
  demoLinks,
  type MultiVendorGateway,
  startMultiVendorGateway,
} from './multi-vendor-stack';

/** The vendors of the demo accounts (the stack connects these three). */
type LinkedVendor = keyof typeof demoAccounts;

/**
 * Merged answers through the gateway, against the three vendor simulators: crawls over two and
 * three linked vendors, single-vendor answers through a link, checks and batches, a failing vendor,
 * every vendor failing, and a webhook on a linked vendor customer.
 */

const tenantId = uniqueTenantId('merged');
const clock = createTestClock();
let simulators: Simulators;
let gateway: MultiVendorGateway;
let redis: Awaited<ReturnType<typeof openTenantRedis>>;
const extra: MultiVendorGateway[] = [];

beforeAll(async () => {
  simulators = await startSimulators();
  gateway = await startMultiVendorGateway(simulators, { tenantId, clock });
  redis = await openTenantRedis(tenantId);
});

afterAll(async () => {
  await Promise.all([gateway?.close(), ...extra.map((instance) => instance.close())]);
  await redis?.cleanup();
  await simulators?.close();
});

/** Every page of a listing, each page parsed through the response schema. */
async function crawl(instance: MultiVendorGateway, path: string, limit: number) {
  const pages: Array<ReturnType<typeof EntitlementListSchema.parse>> = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url = `${path}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const answer = await instance.get(url);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const page = EntitlementListSchema.parse(answer.body);
    expect(page.data.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 500);
  return { pages, data: pages.flatMap((page) => page.data) };
}

/** One vendor's answer about its own customer id (through the catalogue: app keys). */
async function vendorAnswer(vendor: LinkedVendor): Promise<Entitlement[]> {
  return (await crawl(gateway, `/v1/customers/${demoAccounts[vendor]}/entitlements?vendor=${vendor}`, 100))
    .data as Entitlement[];
}

describe('merged list', () => {
  for (const [appCustomer, linked] of [
    ['acme-2', ['paygentic', 'chargebee']],
    ['acme-3', ['zenskar', 'paygentic', 'chargebee']],
  ] as const) {
    it.each([1, 2, 7, 50])(
      `${appCustomer} (${linked.length} vendors) crawled %i per page: each app feature exactly once, with every vendor's grants and sources`,
      async (limit) => {
        // What each vendor says alone, from its single-vendor answers (the reference).
        const expected = new Map<string, { vendors: LinkedVendor[]; grants: number }>();
        for (const vendor of linked) {
          for (const entitlement of await vendorAnswer(vendor)) {
            const entry = expected.get(entitlement.featureKey) ?? { vendors: [], grants: 0 };
            entry.vendors.push(vendor);
            entry.grants += entitlement.grants.length;
            expected.set(entitlement.featureKey, entry);
          }
        }
        expect(expected.get('seats')?.vendors).toEqual(['paygentic', 'chargebee']);

        const { pages, data } = await crawl(gateway, `/v1/customers/${appCustomer}/entitlements`, limit);
        const keys = data.map((entitlement) => entitlement.featureKey);
        expect(new Set(keys).size).toBe(keys.length);
        expect([...keys].sort()).toEqual([...expected.keys()].sort());
        for (const entitlement of data) {
          const reference = expected.get(entitlement.featureKey);
          expect(entitlement.customerId).toBe(appCustomer);
          expect(entitlement.sources?.map((source) => source.vendor).sort()).toEqual(
            [...(reference?.vendors ?? [])].sort(),
          );
          for (const source of entitlement.sources ?? [])
            expect(source.customerId).toBe(demoAccounts[source.vendor as LinkedVendor]);
          expect(entitlement.grants).toHaveLength(reference?.grants ?? -1);
          expect(new Set(entitlement.grants.map((grant) => grant.vendor))).toEqual(
            new Set(reference?.vendors),
          );
        }
        for (const page of pages) {
          expect(page.totalCount).toBe(expected.size);
          expect(page.partial).toBe(false);
          expect(page.vendors?.map((status) => status.vendor)).toEqual(linked);
          for (const status of page.vendors ?? []) {
            expect(status.status).not.toBe('unavailable');
            expect(status.customerId).toBe(demoAccounts[status.vendor as LinkedVendor]);
          }
        }
      },
    );
  }

  it('seats is the sum of Chargebee user-licenses and Paygentic max_users', async () => {
    const chargebee = (await vendorAnswer('chargebee')).find(
      (entitlement) => entitlement.featureKey === 'seats',
    );
    const paygentic = (await vendorAnswer('paygentic')).find(
      (entitlement) => entitlement.featureKey === 'seats',
    );
    expect(chargebee?.sources?.[0]?.featureKey).toBe('user-licenses');
    expect(paygentic?.sources?.[0]?.featureKey).toBe('max_users');
    const merged = await gateway.get('/v1/customers/acme-2/entitlements?featureKey=seats');
    const [seats] = EntitlementListSchema.parse(merged.body).data;
    expect(seats?.vendor).toBeNull();
    expect(seats?.limit).toBe((chargebee?.limit ?? Number.NaN) + (paygentic?.limit ?? Number.NaN));
    expect(seats?.hasAccess).toBe(true);
  });

  it('vendor=X on an app customer answers for its linked X account alone, under app keys', async () => {
    const answer = await gateway.get('/v1/customers/acme-2/entitlements?vendor=chargebee&limit=100');
    expect(answer.status).toBe(200);
    const page = EntitlementListSchema.parse(answer.body);
    expect(page.vendors).toBeUndefined();
    expect(page.partial).toBeUndefined();
    const reference = await vendorAnswer('chargebee');
    expect(page.data.map((entitlement) => entitlement.featureKey)).toEqual(
      reference.map((entitlement) => entitlement.featureKey),
    );
    for (const entitlement of page.data) {
      expect(entitlement).toMatchObject({ vendor: 'chargebee', customerId: 'acme-2' });
      expect(entitlement.sources).toEqual([
        expect.objectContaining({ vendor: 'chargebee', customerId: demoAccounts.chargebee }),
      ]);
    }
    const unlinked = await gateway.get('/v1/customers/acme-2/entitlements?vendor=zenskar');
    expect(unlinked.status).toBe(404);
    expect(ProblemSchema.parse(unlinked.body)).toMatchObject({
      code: 'customer_not_found',
      vendor: 'zenskar',
    });
  });

  it('a merged cursor does not continue a single-vendor listing of the same customer', async () => {
    const first = EntitlementListSchema.parse(
      (await gateway.get('/v1/customers/acme-2/entitlements?limit=1')).body,
    );
    const reused = await gateway.get(
      `/v1/customers/acme-2/entitlements?vendor=chargebee&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
    );
    expect(reused.status).toBe(400);
    expect(ProblemSchema.parse(reused.body).code).toBe('invalid_cursor');
  });
});

describe('merged check and batch', () => {
  it('a check on a linked customer is merged; requestedUsage past the merged remaining is limit_exceeded', async () => {
    const listed = EntitlementListSchema.parse(
      (await gateway.get('/v1/customers/acme-3/entitlements?featureKey=seats')).body,
    );
    const seats = listed.data[0] as Entitlement;
    const within = await gateway.get(
      `/v1/customers/acme-3/entitlements/seats?requestedUsage=${seats.remaining}`,
    );
    expect(within.status).toBe(200);
    expect(CheckResultSchema.parse(within.body)).toMatchObject({
      vendor: null,
      customerId: 'acme-3',
      hasAccess: true,
      limit: seats.limit,
      partial: false,
    });
    expect((within.body as { vendors: unknown[] }).vendors).toHaveLength(3);
    const beyond = await gateway.get(
      `/v1/customers/acme-3/entitlements/seats?requestedUsage=${(seats.remaining ?? 0) + 1}`,
    );
    expect(CheckResultSchema.parse(beyond.body)).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
    });
    const missing = await gateway.get('/v1/customers/acme-3/entitlements/no-such-feature');
    expect(CheckResultSchema.parse(missing.body)).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
      partial: false,
    });
  });

  it('a batch mixes merged, linked single-vendor and plain vendor items', async () => {
    const answer = await gateway.post('/v1/check', {
      checks: [
        { customerId: 'acme-3', featureKey: 'seats' },
        { customerId: 'acme-2', vendor: 'paygentic', featureKey: 'seats' },
        { customerId: demoAccounts.chargebee, vendor: 'chargebee', featureKey: 'seats' },
      ],
    });
    expect(answer.status).toBe(200);
    const { results } = BatchCheckResponseSchema.parse(answer.body);
    expect(results[0]).toMatchObject({
      object: 'entitlement_check',
      vendor: null,
      customerId: 'acme-3',
      partial: false,
    });
    expect((results[0] as { vendors: unknown[] }).vendors).toHaveLength(3);
    expect(results[1]).toMatchObject({ vendor: 'paygentic', customerId: 'acme-2', hasAccess: true });
    expect(results[1]).not.toHaveProperty('partial');
    expect(results[2]).toMatchObject({
      vendor: 'chargebee',
      customerId: demoAccounts.chargebee,
      hasAccess: true,
    });
  });
});

describe('vendors failing', () => {
  const down = (vendor: LinkedVendor) =>
    simulators.simulators[vendor].kit.inject({
      fault: { kind: 'status', status: 503, body: '{"message":"down"}' },
      times: Number.POSITIVE_INFINITY,
    });
  const up = () => {
    for (const vendor of ['zenskar', 'paygentic', 'chargebee'] as const)
      simulators.simulators[vendor].kit.reset();
  };

  /** A gateway with its own empty memory and no Redis: nothing cached yet. */
  async function coldGateway(fallback?: unknown) {
    const instance = await startMultiVendorGateway(simulators, {
      tenantId: uniqueTenantId('merged-cold'),
      clock,
      redisUrl: null,
      ...(fallback === undefined ? {} : { fallback }),
    });
    extra.push(instance);
    return instance;
  }

  it('one vendor failing with nothing cached: 200, partial, that vendor unavailable with its problem', async () => {
    const cold = await coldGateway();
    down('paygentic');
    try {
      const answer = await cold.get('/v1/customers/acme-3/entitlements?limit=100');
      expect(answer.status).toBe(200);
      const page = EntitlementListSchema.parse(answer.body);
      expect(page.partial).toBe(true);
      expect(page.vendors?.map((status) => [status.vendor, status.status, status.error?.code])).toEqual([
        ['zenskar', 'fresh', undefined],
        ['paygentic', 'unavailable', 'vendor_unavailable'],
        ['chargebee', 'fresh', undefined],
      ]);
      for (const entitlement of page.data)
        expect(entitlement.sources?.some((source) => source.vendor === 'paygentic')).toBe(false);
      const seats = page.data.find((entitlement) => entitlement.featureKey === 'seats');
      expect(seats?.sources?.map((source) => source.vendor)).toEqual(['chargebee']);
      const check = await cold.get('/v1/customers/acme-3/entitlements/seats');
      expect(CheckResultSchema.parse(check.body)).toMatchObject({ partial: true, hasAccess: true });
    } finally {
      up();
    }
  });

  it('one vendor failing with cached data: 200, partial, that vendor stale with an error', async () => {
    const cold = await coldGateway();
    expect((await cold.get('/v1/customers/acme-2/entitlements')).status).toBe(200);
    down('chargebee');
    try {
      // A forced reload fails at Chargebee: its cached snapshot is served instead.
      const answer = await cold.get('/v1/customers/acme-2/entitlements?limit=100', undefined, {
        'cache-control': 'no-cache',
      });
      expect(answer.status).toBe(200);
      const page = EntitlementListSchema.parse(answer.body);
      expect(page.partial).toBe(true);
      expect(page.vendors?.map((status) => [status.vendor, status.status, status.error?.code])).toEqual([
        ['paygentic', 'fresh', undefined],
        ['chargebee', 'stale', 'vendor_unavailable'],
      ]);
      expect(page.data.find((entitlement) => entitlement.featureKey === 'seats')?.sources).toHaveLength(2);
    } finally {
      up();
    }
  });

  it('every linked vendor failing: a list is the failure; a check is the fallback policy (deny by default), or the failure with `problem`', async () => {
    const cold = await coldGateway();
    const strict = await coldGateway({ default: 'problem' });
    for (const vendor of ['zenskar', 'paygentic', 'chargebee'] as const) down(vendor);
    try {
      const answer = await cold.get('/v1/customers/acme-3/entitlements');
      expect(answer.status).toBe(503);
      expect(ProblemSchema.parse(answer.body)).toMatchObject({
        code: 'vendor_unavailable',
        vendor: 'zenskar',
      });
      // test/integration/fallback/merged-fallback.test.ts has the fallback answers in detail.
      const check = await cold.get('/v1/customers/acme-3/entitlements/seats');
      expect(check.status).toBe(200);
      expect(CheckResultSchema.parse(check.body)).toMatchObject({ hasAccess: false, fallback: true });
      const failing = await strict.get('/v1/customers/acme-3/entitlements/seats');
      expect(failing.status).toBe(503);
      const batch = await strict.post('/v1/check', {
        checks: [{ customerId: 'acme-3', featureKey: 'seats' }],
      });
      expect(BatchCheckResponseSchema.parse(batch.body).results[0]).toMatchObject({
        object: 'entitlement_check_error',
        error: { code: 'vendor_unavailable' },
      });
    } finally {
      up();
    }
  });
});

describe('webhooks on a linked vendor customer', () => {
  it('make the next merged answer reload that vendor, and only it', async () => {
    const list = '/v1/customers/acme-2/entitlements';
    expect((await gateway.get(list)).status).toBe(200);
    for (const vendor of ['zenskar', 'paygentic', 'chargebee'] as const)
      simulators.simulators[vendor].kit.reset();
    // Served from the cache: no vendor call.
    expect((await gateway.get(list)).status).toBe(200);
    expect(simulators.simulators.chargebee.kit.recorded).toHaveLength(0);

    const { username, password } = WEBHOOK_CREDENTIALS.chargebee;
    const delivered = await gateway.post(
      `/v1/webhooks/chargebee?tenant=${tenantId}`,
      {
        id: `ev_${Date.now().toString(36)}`,
        occurred_at: Math.floor(clock.now() / 1000),
        object: 'event',
        api_version: 'v2',
        event_type: 'subscription_changed',
        content: {
          subscription: { id: 'sub_acme_platform', customer_id: demoAccounts.chargebee, status: 'active' },
          customer: { id: demoAccounts.chargebee },
        },
      },
      { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      null,
    );
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body).toMatchObject({ invalidatedCustomers: 1 });

    const after = await gateway.get(list);
    expect(after.status).toBe(200);
    expect(
      requestsTo(
        simulators.simulators.chargebee.kit,
        `/api/v2/customers/${demoAccounts.chargebee}/customer_entitlements`,
      ),
    ).toHaveLength(1);
    expect(simulators.simulators.paygentic.kit.recorded).toHaveLength(0);
    expect(EntitlementListSchema.parse(after.body).vendors?.map((status) => status.status)).toEqual([
      'fresh',
      'fresh',
    ]);
  });
});

describe('links are tenant-bound', () => {
  it('another tenant sees no link and no merged answer for the same app customer id', async () => {
    const { OTHER_TENANT_KEY } = await import('../../support/gateway');
    const links = await gateway.get('/v1/customers/acme-3/links', OTHER_TENANT_KEY);
    expect(links.status).toBe(404);
    const list = await gateway.get('/v1/customers/acme-3/entitlements', OTHER_TENANT_KEY);
    expect(list.status).toBe(400);
    expect(ProblemSchema.parse(list.body).code).toBe('vendor_required');
    expect(Object.keys(demoLinks)).toContain('acme-3');
  });
});

describe('refresh of a linked customer', () => {
  it('reloads its account at the vendor named; several links without a vendor is vendor_required', async () => {
    simulators.simulators.chargebee.kit.reset();
    const refreshed = await gateway.post('/v1/customers/acme-2/entitlements/refresh?vendor=chargebee', '');
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body).toMatchObject({
      object: 'entitlement_refresh',
      vendor: 'chargebee',
      customerId: 'acme-2',
    });
    expect(
      requestsTo(
        simulators.simulators.chargebee.kit,
        `/api/v2/customers/${demoAccounts.chargebee}/customer_entitlements`,
      ),
    ).toHaveLength(1);
    const ambiguous = await gateway.post('/v1/customers/acme-2/entitlements/refresh', '');
    expect(ambiguous.status).toBe(400);
    expect(ProblemSchema.parse(ambiguous.body).code).toBe('vendor_required');
  });
});

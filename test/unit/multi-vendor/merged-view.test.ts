import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../adapters/kit';
import type { Entitlement, VendorId } from '../../../schemas/entitlement';
import { GatewayError } from '../../../src/errors/gateway-error';
import { CursorCodec } from '../../../src/services/cursor';
import type { VendorLinks } from '../../../src/services/customer-links';
import { parseFeatureCatalog } from '../../../src/services/feature-catalog';
import {
  cursorPosition,
  keysetPage,
  type ListFilters,
  listBinding,
  MERGED_LISTING,
} from '../../../src/services/keyset-page';
import { checkMerged, loadMergedView, type VendorLoad } from '../../../src/services/merged-entitlements';

function entitlement(vendor: VendorId, customerId: string, featureKey: string, limit: number): Entitlement {
  return {
    object: 'entitlement',
    vendor,
    customerId,
    featureKey,
    featureName: null,
    type: 'metered',
    hasAccess: true,
    reason: null,
    unlimited: false,
    limit,
    usage: 0,
    remaining: limit,
    value: null,
    config: null,
    unit: null,
    activeFrom: null,
    activeTo: null,
    grants: [
      {
        source: 'grant',
        sourceId: `${vendor}:${featureKey}`,
        vendorId: null,
        hasAccess: true,
        limit,
        usage: 0,
        value: null,
        status: 'active',
        activeFrom: null,
        activeTo: null,
      },
    ],
  };
}

const catalogResult = parseFeatureCatalog(
  {
    seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users', zenskar: 'z-seats' } },
    storage: { sources: { zenskar: 'z-storage', chargebee: 'storage-gb' }, merge: 'max' },
  },
  { variable: 'FEATURE_CATALOG' },
);
const catalog =
  catalogResult.catalog ??
  (() => {
    throw new Error('catalogue');
  })();

/** Each vendor: two mapped features and ten of its own, three shared by name with the other vendors. */
function vendorData(vendor: VendorId): Entitlement[] {
  const mapped = {
    chargebee: ['user-licenses', 'storage-gb'],
    paygentic: ['max_users'],
    zenskar: ['z-seats', 'z-storage'],
  }[vendor as 'chargebee'] as string[];
  const own = Array.from({ length: 10 }, (_, index) => `${vendor}-only-${String(index).padStart(2, '0')}`);
  const shared = ['api-calls', 'exports', 'webhooks'];
  return [...mapped, ...own, ...shared]
    .sort()
    .map((key, index) => entitlement(vendor, `${vendor}-id`, key, index + 1));
}

const links2: VendorLinks = { chargebee: 'chargebee-id', paygentic: 'paygentic-id' };
const links3: VendorLinks = { ...links2, zenskar: 'zenskar-id' };

const loadAll = async (vendor: VendorId): Promise<VendorLoad> => ({
  entitlements: vendorData(vendor),
  freshness: 'fresh',
});

async function crawl(
  view: { entitlements: Entitlement[] },
  limit: number,
  cursors: CursorCodec,
  filters: ListFilters,
) {
  const binding = listBinding('t1', MERGED_LISTING, 'acme', filters);
  const seen: Entitlement[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const after = await cursorPosition(cursors, binding, cursor);
    const page = await keysetPage(view.entitlements, { filters, after, limit, binding, cursors });
    expect(page.data.length).toBeLessThanOrEqual(limit);
    seen.push(...page.data);
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor !== undefined && pages < 1000);
  return seen;
}

describe('merged crawl', () => {
  const cursors = new CursorCodec('x'.repeat(32));
  const filters: ListFilters = { featureKeys: [] };

  for (const [name, links, vendorCount] of [
    ['two', links2, 2],
    ['three', links3, 3],
  ] as const) {
    it.each([1, 2, 7, 50])(
      `%i per page over ${name} linked vendors returns each app feature exactly once, with every vendor's grants and sources`,
      async (limit) => {
        const view = await loadMergedView({ customerId: 'acme', links, catalog, load: loadAll });
        const seen = await crawl(view, limit, cursors, filters);
        const keys = seen.map((entry) => entry.featureKey);
        expect(new Set(keys).size).toBe(keys.length);
        // Expected keys from the vendors' own data, independent of the merge code.
        const vendors = (Object.keys(links) as VendorId[]).sort();
        const expected = new Set<string>(['seats', 'api-calls', 'exports', 'webhooks']);
        for (const vendor of vendors)
          for (let index = 0; index < 10; index += 1)
            expected.add(`${vendor}-only-${String(index).padStart(2, '0')}`);
        if (vendors.includes('zenskar') || vendors.includes('chargebee')) expected.add('storage');
        expect([...keys].sort()).toEqual([...expected].sort());
        expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        const seats = seen.find((entry) => entry.featureKey === 'seats') as Entitlement;
        expect(seats.sources?.map((source) => source.vendor).sort()).toEqual(vendors);
        expect(seats.grants.map((grant) => grant.vendor).sort()).toEqual(vendors);
        const apiCalls = seen.find((entry) => entry.featureKey === 'api-calls') as Entitlement;
        expect(apiCalls.sources).toHaveLength(vendorCount);
        expect(apiCalls.sources?.map((source) => source.customerId).sort()).toEqual(
          vendors.map((vendor) => `${vendor}-id`),
        );
        expect(view.vendors.map((status) => [status.vendor, status.status])).toEqual(
          (['zenskar', 'paygentic', 'chargebee'] as const)
            .filter((vendor) => vendors.includes(vendor))
            .map((vendor) => [vendor, 'fresh']),
        );
        expect(view.partial).toBe(false);
      },
    );
  }

  it('filters by merged fields and crawls the filtered set exactly once', async () => {
    const view = await loadMergedView({ customerId: 'acme', links: links3, catalog, load: loadAll });
    const wanted: ListFilters = { featureKeys: ['seats', 'storage', 'api-calls', 'missing'] };
    const seen = await crawl(view, 1, cursors, wanted);
    expect(seen.map((entry) => entry.featureKey)).toEqual(['api-calls', 'seats', 'storage']);
  });

  it('a merged cursor is refused for a single-vendor listing, another customer, another tenant and other filters', async () => {
    const view = await loadMergedView({ customerId: 'acme', links: links2, catalog, load: loadAll });
    const binding = listBinding('t1', MERGED_LISTING, 'acme', filters);
    const page = await keysetPage(view.entitlements, { filters, after: null, limit: 2, binding, cursors });
    const cursor = page.nextCursor as string;
    expect(await cursorPosition(cursors, binding, cursor)).toBe(page.data[1]?.featureKey);
    for (const other of [
      listBinding('t1', 'chargebee', 'acme', filters),
      listBinding('t1', MERGED_LISTING, 'globex', filters),
      listBinding('t2', MERGED_LISTING, 'acme', filters),
      listBinding('t1', MERGED_LISTING, 'acme', { featureKeys: [], hasAccess: true }),
    ])
      await expect(cursorPosition(cursors, other, cursor)).rejects.toMatchObject({ code: 'invalid_cursor' });
  });
});

describe('merged view: vendors failing', () => {
  const outage = (vendor: VendorId) =>
    new UpstreamError('vendor_unavailable', vendor, `${vendor} is unavailable.`, {
      operation: 'load',
      attempts: 3,
    });

  it('one vendor failing: partial, that vendor unavailable with its problem, the others merged', async () => {
    const view = await loadMergedView({
      customerId: 'acme',
      links: links3,
      catalog,
      load: async (vendor) => {
        if (vendor === 'paygentic') throw outage(vendor);
        return loadAll(vendor);
      },
    });
    expect(view.partial).toBe(true);
    expect(view.vendors).toEqual([
      { vendor: 'zenskar', customerId: 'zenskar-id', status: 'fresh' },
      {
        vendor: 'paygentic',
        customerId: 'paygentic-id',
        status: 'unavailable',
        error: {
          status: 503,
          code: 'vendor_unavailable',
          title: 'Vendor unavailable',
          detail: 'paygentic is unavailable.',
        },
      },
      { vendor: 'chargebee', customerId: 'chargebee-id', status: 'fresh' },
    ]);
    const seats = view.entitlements.find((entry) => entry.featureKey === 'seats');
    expect(seats?.sources?.map((source) => source.vendor)).toEqual(['chargebee', 'zenskar']);
    expect(view.entitlements.some((entry) => entry.featureKey.startsWith('paygentic-only'))).toBe(false);
  });

  it('a vendor served from cache after a failed refresh is stale with an error, and the answer partial', async () => {
    const view = await loadMergedView({
      customerId: 'acme',
      links: links2,
      catalog,
      load: async (vendor) => ({
        ...(await loadAll(vendor)),
        freshness: vendor === 'chargebee' ? 'stale-if-error' : 'stale',
      }),
    });
    expect(view.vendors.map((status) => [status.vendor, status.status, status.error?.code])).toEqual([
      ['paygentic', 'stale', undefined],
      ['chargebee', 'stale', 'vendor_unavailable'],
    ]);
    expect(view.partial).toBe(true);
  });

  it('stale while revalidating alone is not partial', async () => {
    const view = await loadMergedView({
      customerId: 'acme',
      links: links2,
      catalog,
      load: async (vendor) => ({ ...(await loadAll(vendor)), freshness: 'stale' }),
    });
    expect(view.partial).toBe(false);
  });

  it('every vendor failing: the failure is the answer, an outage before a missing customer', async () => {
    await expect(
      loadMergedView({
        customerId: 'acme',
        links: links3,
        catalog,
        load: async (vendor) => {
          if (vendor === 'chargebee') throw outage(vendor);
          throw new GatewayError('customer_not_found', `${vendor} has no customer.`, { vendor });
        },
      }),
    ).rejects.toMatchObject({ code: 'vendor_unavailable', vendor: 'chargebee' });
    await expect(
      loadMergedView({
        customerId: 'acme',
        links: links2,
        catalog,
        load: async (vendor) => {
          throw new GatewayError('customer_not_found', `${vendor} has no customer.`, { vendor });
        },
      }),
    ).rejects.toMatchObject({ code: 'customer_not_found', vendor: 'paygentic' });
  });

  it('an unexpected error is reported and counted as internal_error for that vendor', async () => {
    const heard: unknown[] = [];
    const view = await loadMergedView({
      customerId: 'acme',
      links: links2,
      catalog,
      load: async (vendor) => {
        if (vendor === 'chargebee') throw new TypeError('bug');
        return loadAll(vendor);
      },
      onUnexpectedError: (error) => heard.push(error),
    });
    expect(heard).toHaveLength(1);
    expect(view.vendors[1]).toMatchObject({
      vendor: 'chargebee',
      status: 'unavailable',
      error: { code: 'internal_error' },
    });
  });
});

describe('merged check', () => {
  it('answers from the merged entitlement; a quantity past remaining is let through only by a soft-limited granting source', async () => {
    const view = await loadMergedView({ customerId: 'acme', links: links2, catalog, load: loadAll });
    const seats = view.entitlements.find((entry) => entry.featureKey === 'seats') as Entitlement;
    const asked: string[] = [];
    const hard = await checkMerged(view, 'seats', (seats.remaining as number) + 1, async (vendor) => {
      asked.push(vendor);
      return false;
    });
    expect(hard).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
      softLimit: false,
      vendor: null,
      partial: false,
    });
    expect(asked).toEqual(['chargebee', 'paygentic']);
    const soft = await checkMerged(
      view,
      'seats',
      (seats.remaining as number) + 4,
      async (vendor) => vendor === 'paygentic',
    );
    expect(soft).toMatchObject({ hasAccess: true, softLimit: true, overage: 4 });
    const within = await checkMerged(view, 'seats', 1, async () => {
      throw new Error('not asked');
    });
    expect(within).toMatchObject({
      hasAccess: true,
      softLimit: null,
      customerId: 'acme',
      vendors: view.vendors,
    });
    const missing = await checkMerged(view, 'nothing', null, async () => false);
    expect(missing).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
      type: null,
      vendor: null,
      partial: false,
    });
  });
});

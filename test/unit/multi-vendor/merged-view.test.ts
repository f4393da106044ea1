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
import {
  checkMerged,
  type LinkedLoads,
  loadLinkedVendors,
  loadMergedView,
  mergeLinkedLoads,
  type VendorLoad,
} from '../../../src/services/merged-entitlements';

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

/** A merged check of `featureKey` over `loads` under the default policy (deny), answer only. */
async function check(
  loads: LinkedLoads,
  featureKey: string,
  requestedUsage: number | null,
  isSoftLimit: (vendor: VendorId) => Promise<boolean>,
) {
  return (await checkMerged({ loads, catalog, featureKey, requestedUsage, policy: 'deny', isSoftLimit }))
    .result;
}

describe('merged check', () => {
  it('answers from the merged entitlement; a quantity past remaining is let through only by a soft-limited granting source', async () => {
    const loads = await loadLinkedVendors({ customerId: 'acme', links: links2, load: loadAll });
    const view = await loadMergedView({ customerId: 'acme', links: links2, catalog, load: loadAll });
    const seats = view.entitlements.find((entry) => entry.featureKey === 'seats') as Entitlement;
    const asked: string[] = [];
    const hard = await check(loads, 'seats', (seats.remaining as number) + 1, async (vendor) => {
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
    const soft = await check(
      loads,
      'seats',
      (seats.remaining as number) + 4,
      async (vendor) => vendor === 'paygentic',
    );
    expect(soft).toMatchObject({ hasAccess: true, softLimit: true, overage: 4 });
    const within = await check(loads, 'seats', 1, async () => {
      throw new Error('not asked');
    });
    expect(within).toMatchObject({
      hasAccess: true,
      softLimit: null,
      customerId: 'acme',
      vendors: view.vendors,
    });
    expect(within).not.toHaveProperty('fallback');
    const missing = await check(loads, 'nothing', null, async () => false);
    expect(missing).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
      type: null,
      vendor: null,
      partial: false,
    });
  });
});

/**
 * docs/multi-vendor.md, "Fallback in merged checks": each row of the table pinned by one test (named
 * by its row). Vendors are down with nothing cached (an outage), or answer from a stale snapshot.
 */
describe('fallback in merged checks, row by row', () => {
  const outage = (vendor: VendorId) =>
    new UpstreamError('vendor_unavailable', vendor, `${vendor} is unavailable.`, {
      operation: 'load',
      attempts: 1,
    });

  /** The loads of `links` with `down` failing (an outage), `stale` served stale-if-error, `unknown` 404. */
  function loads(
    links: VendorLinks,
    failing: { down?: VendorId[]; stale?: VendorId[]; unknown?: VendorId[] },
  ): Promise<LinkedLoads> {
    return loadLinkedVendors({
      customerId: 'acme',
      links,
      load: async (vendor) => {
        if (failing.down?.includes(vendor)) throw outage(vendor);
        if (failing.unknown?.includes(vendor))
          throw new GatewayError('customer_not_found', `${vendor} has no customer.`, { vendor });
        return {
          ...(await loadAll(vendor)),
          freshness: failing.stale?.includes(vendor) ? 'stale-if-error' : 'fresh',
        };
      },
    });
  }

  const fallbackCheck = async (
    linkedLoads: LinkedLoads,
    featureKey: string,
    policy: Parameters<typeof checkMerged>[0]['policy'],
    requestedUsage: number | null = null,
  ) =>
    checkMerged({
      loads: linkedLoads,
      catalog,
      featureKey,
      requestedUsage,
      policy,
      isSoftLimit: async () => false,
    });

  /** A vendor's own limit of one of its features (vendorData: the index in its sorted keys, plus one). */
  const limitOf = (vendor: VendorId, vendorKey: string) =>
    vendorData(vendor).find((entry) => entry.featureKey === vendorKey)?.limit as number;
  const seatsOf = {
    chargebee: limitOf('chargebee', 'user-licenses'),
    paygentic: limitOf('paygentic', 'max_users'),
    zenskar: limitOf('zenskar', 'z-seats'),
  };

  it('row 1: only a vendor the feature depends on is stood in for (its entry lists it; outside the catalogue, any)', async () => {
    const paygenticDown = await loads(links3, { down: ['paygentic'] });
    // `storage` maps Zenskar and Chargebee only: Paygentic being down changes nothing but `partial`.
    const storage = await fallbackCheck(paygenticDown, 'storage', 'allow');
    expect(storage.fallback).toBeNull();
    expect(storage.result).toMatchObject({ hasAccess: true, partial: true });
    expect(storage.result).not.toHaveProperty('fallback');
    expect(storage.result.vendors?.some((status) => status.fallback !== undefined)).toBe(false);
    // `api-calls` is no app key: every linked vendor may hold it under that key.
    const apiCalls = await fallbackCheck(paygenticDown, 'api-calls', 'allow');
    expect(apiCalls.fallback).toEqual({
      policy: 'allow',
      vendors: ['paygentic'],
      codes: ['vendor_unavailable'],
    });
    expect(apiCalls.result.entitlement?.sources?.map((source) => source.vendor)).toEqual([
      'zenskar',
      'paygentic',
      'chargebee',
    ]);
  });

  it('row 2: only an outage with nothing cached: a stale snapshot answers, a missing customer is reported', async () => {
    const stale = await fallbackCheck(await loads(links2, { stale: ['chargebee'] }), 'seats', 'allow');
    expect(stale.fallback).toBeNull();
    expect(stale.result).toMatchObject({ limit: seatsOf.chargebee + seatsOf.paygentic, partial: true });
    expect(stale.result.vendors?.map((status) => [status.vendor, status.status, status.fallback])).toEqual([
      ['paygentic', 'fresh', undefined],
      ['chargebee', 'stale', undefined],
    ]);
    const unknown = await fallbackCheck(await loads(links2, { unknown: ['chargebee'] }), 'seats', 'allow');
    expect(unknown.fallback).toBeNull();
    expect(unknown.result).toMatchObject({ limit: seatsOf.paygentic, partial: true });
    expect(unknown.result).not.toHaveProperty('fallback');
  });

  it('row 3: deny (and a static value without access) contributes nothing, and the vendor is reported', async () => {
    for (const policy of ['deny', { hasAccess: false, limit: 3 }] as const) {
      const { result, fallback } = await fallbackCheck(
        await loads(links3, { down: ['paygentic'] }),
        'seats',
        policy,
      );
      expect(fallback).toMatchObject({
        policy: policy === 'deny' ? 'deny' : 'static',
        vendors: ['paygentic'],
      });
      expect(result).toMatchObject({
        hasAccess: true,
        limit: seatsOf.chargebee + seatsOf.zenskar,
        fallback: true,
        partial: true,
      });
      expect(result.entitlement?.sources?.map((source) => source.vendor)).toEqual(['chargebee', 'zenskar']);
      expect(result.vendors?.find((status) => status.vendor === 'paygentic')).toEqual({
        vendor: 'paygentic',
        customerId: 'paygentic-id',
        status: 'unavailable',
        error: expect.objectContaining({ code: 'vendor_unavailable' }),
        fallback: true,
      });
    }
  });

  it('row 4: allow contributes access with one grant marked fallback, under the vendor’s own key and id', async () => {
    const { result } = await fallbackCheck(await loads(links2, { down: ['paygentic'] }), 'seats', 'allow');
    // The contribution is a boolean: the quantities stay those of the vendors that answered.
    expect(result).toMatchObject({
      hasAccess: true,
      type: 'metered',
      limit: seatsOf.chargebee,
      fallback: true,
    });
    expect(result.entitlement?.sources).toEqual([
      { vendor: 'chargebee', customerId: 'chargebee-id', featureKey: 'user-licenses' },
      { vendor: 'paygentic', customerId: 'paygentic-id', featureKey: 'max_users' },
    ]);
    expect(result.entitlement?.grants.filter((grant) => grant.source === 'fallback')).toEqual([
      {
        vendor: 'paygentic',
        source: 'fallback',
        sourceId: null,
        vendorId: null,
        hasAccess: true,
        limit: null,
        usage: null,
        value: null,
        status: null,
        activeFrom: null,
        activeTo: null,
      },
    ]);
    // Alone (the only linked vendor the feature depends on is down): access, typed boolean.
    const alone = await fallbackCheck(
      await loads({ paygentic: 'paygentic-id' }, { down: ['paygentic'] }),
      'seats',
      'allow',
    );
    expect(alone.result).toMatchObject({
      hasAccess: true,
      reason: null,
      type: 'boolean',
      vendor: 'paygentic',
    });
  });

  it('row 5: a static value with access is merged like vendor data: each vendor down contributes it once', async () => {
    const declared = { hasAccess: true, limit: 5 };
    const one = await fallbackCheck(await loads(links3, { down: ['paygentic'] }), 'seats', declared);
    expect(one.result).toMatchObject({ limit: seatsOf.chargebee + seatsOf.zenskar + 5, fallback: true });
    const two = await fallbackCheck(
      await loads(links3, { down: ['paygentic', 'zenskar'] }),
      'seats',
      declared,
    );
    expect(two.result).toMatchObject({ limit: seatsOf.chargebee + 5 + 5 });
    expect(two.fallback?.vendors).toEqual(['zenskar', 'paygentic']);
    // `storage` merges with `max`: the larger of Zenskar's limit and the declared one.
    const storage = await fallbackCheck(await loads(links3, { down: ['chargebee'] }), 'storage', {
      hasAccess: true,
      limit: 100,
    });
    expect(storage.result).toMatchObject({ limit: 100, fallback: true });
    // Unlimited wins, as for any counting source.
    const unlimited = await fallbackCheck(await loads(links2, { down: ['chargebee'] }), 'seats', {
      hasAccess: true,
      unlimited: true,
    });
    expect(unlimited.result).toMatchObject({ unlimited: true, limit: null, remaining: null });
  });

  it('row 6: a fallback answer is flagged and partial; no other answer carries the flags', async () => {
    const healthy = await fallbackCheck(await loads(links3, {}), 'seats', 'allow');
    expect(healthy.fallback).toBeNull();
    expect(healthy.result).not.toHaveProperty('fallback');
    expect(healthy.result.partial).toBe(false);
    expect(healthy.result.vendors?.some((status) => 'fallback' in status)).toBe(false);
    const down = await fallbackCheck(
      await loads(links3, { down: ['zenskar', 'chargebee'] }),
      'seats',
      'deny',
    );
    expect(down.result).toMatchObject({ fallback: true, partial: true });
    expect(down.result.vendors?.map((status) => [status.vendor, status.fallback])).toEqual([
      ['zenskar', true],
      ['paygentic', undefined],
      ['chargebee', true],
    ]);
  });

  it('row 7: no entitlement at all is denied with reason null; a quantity past a static limit is limit_exceeded', async () => {
    // Only Paygentic holds `paygentic-only-00`; it is down and denied.
    const nobody = await fallbackCheck(
      await loads(links2, { down: ['paygentic'] }),
      'paygentic-only-00',
      'deny',
    );
    expect(nobody.result).toMatchObject({ hasAccess: false, reason: null, type: null, entitlement: null });
    const within = await fallbackCheck(
      await loads({ chargebee: 'chargebee-id' }, { down: ['chargebee'] }),
      'seats',
      { hasAccess: true, limit: 5 },
      5,
    );
    expect(within.result).toMatchObject({ hasAccess: true, remaining: 5, fallback: true });
    const beyond = await fallbackCheck(
      await loads({ chargebee: 'chargebee-id' }, { down: ['chargebee'] }),
      'seats',
      { hasAccess: true, limit: 5 },
      6,
    );
    expect(beyond.result).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', fallback: true });
  });

  it('row 8: every linked vendor down: the policy answers (deny, allow, static) instead of the vendor’s problem', async () => {
    const allDown = await loads(links3, { down: ['zenskar', 'paygentic', 'chargebee'] });
    expect((await fallbackCheck(allDown, 'seats', 'deny')).result).toMatchObject({
      hasAccess: false,
      reason: null,
      fallback: true,
      partial: true,
    });
    expect((await fallbackCheck(allDown, 'seats', 'allow')).result).toMatchObject({
      hasAccess: true,
      vendor: null,
      type: 'boolean',
    });
    expect((await fallbackCheck(allDown, 'seats', { hasAccess: true, limit: 2 })).result).toMatchObject({
      limit: 6,
    });
    // The list of the same customer has no feature to apply a policy to: it stays the vendor's problem.
    expect(() => mergeLinkedLoads(allDown, catalog)).toThrow(
      expect.objectContaining({ code: 'vendor_unavailable' }),
    );
  });

  it('row 9: problem keeps the answer without policies: partial, or the first failure when nothing answered', async () => {
    const oneDown = await fallbackCheck(await loads(links3, { down: ['paygentic'] }), 'seats', 'problem');
    expect(oneDown.fallback).toBeNull();
    expect(oneDown.result).toMatchObject({ partial: true, limit: seatsOf.chargebee + seatsOf.zenskar });
    expect(oneDown.result).not.toHaveProperty('fallback');
    await expect(
      fallbackCheck(await loads(links2, { down: ['paygentic', 'chargebee'] }), 'seats', 'problem'),
    ).rejects.toMatchObject({ code: 'vendor_unavailable', vendor: 'paygentic' });
    // Nothing answered and no vendor the feature depends on is down: still the failure.
    await expect(
      fallbackCheck(await loads(links2, { unknown: ['paygentic', 'chargebee'] }), 'seats', 'allow'),
    ).rejects.toMatchObject({ code: 'customer_not_found' });
  });
});

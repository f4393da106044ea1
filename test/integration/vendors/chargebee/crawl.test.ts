import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargebeeAuthorization } from '../../../../adapters/chargebee/client';
import {
  type ChargebeeDataset,
  chargebeeSandboxCredentials,
  createChargebeeDemoDataset,
  generateChargebeeCustomer,
  mergeChargebeeDatasets,
} from '../../../../adapters/chargebee/fixtures';
import { chargebeeExpected } from '../../../../adapters/chargebee/test-kit';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  call,
  compareCodeUnits,
  crawl,
  type ExpectedFeature,
  expectCrawlMatches,
  expectedKeys,
  expectFilteredCrawls,
  filterCases,
  listPath,
  StatusLog,
  vendorJson,
} from '../../../support/crawl-support';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * Chargebee through the gateway: the list endpoint crawled with limits 1, 7, 50 and
 * 100 over a customer whose features are held by three subscriptions (so a `customer_entitlements`
 * page at the adapter's `limit=100` holds 300 rows), through `customer_entitlements` and through
 * the subscription fallback, with filters, and across refreshes of unchanged and changed data. The
 * expected feature sets come from the simulator's store (`chargebeeExpected`), never from the gateway.
 */

const CUSTOMER = 'cust_crawl';
const FEATURE_COUNT = 230;
const LIMITS = [1, 7, 50, 100] as const;
const log = new StatusLog();
// Snapshots must not expire during a crawl: the suites assert how many vendor calls a crawl costs.
const env = { CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' };
const authorization = chargebeeAuthorization(chargebeeSandboxCredentials.apiKey);

function featureIndex(featureId: string): number {
  return Number(featureId.slice(-4)) - 1;
}

/**
 * The demo site plus a 230-feature customer with three active subscriptions. Some features are
 * denied on purpose, so `hasAccess=false` has members: every 5th is disabled on every subscription,
 * every range feature with index ≡ 1 (mod 6) has 0 everywhere.
 */
function crawlDataset(): ChargebeeDataset {
  const generated = generateChargebeeCustomer(CUSTOMER, FEATURE_COUNT, {
    subscriptionCount: 3,
    featurePrefix: 'crawl',
  });
  const types = new Map(generated.features.map((feature) => [feature.id, feature.type]));
  for (const row of generated.subscriptionEntitlements) {
    const index = featureIndex(row.feature_id);
    if (index % 5 === 4) row.is_enabled = false;
    else if (types.get(row.feature_id) === 'range' && index % 6 === 1) row.value = '0';
  }
  return mergeChargebeeDatasets(createChargebeeDemoDataset(), generated);
}

type Stack = Awaited<ReturnType<typeof startVendorStack>>;

function customerEntitlementCalls(stack: Stack): RecordedRequest[] {
  return stack.simulators.chargebee.kit.recorded.filter(
    (request) => request.path === `/api/v2/customers/${CUSTOMER}/customer_entitlements`,
  );
}

const owner = { vendor: 'chargebee', customerId: CUSTOMER };

describe('Chargebee through the gateway: customer_entitlements', () => {
  let stack: Stack;
  let expected: Map<string, ExpectedFeature>;
  let allKeys: string[];

  beforeAll(async () => {
    stack = await startVendorStack({ chargebee: { dataset: crawlDataset() }, env });
    expected = chargebeeExpected(stack.simulators.chargebee.store, CUSTOMER, Date.now());
    allKeys = expectedKeys(expected);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('precondition: the customer spans several vendor pages, each holding more rows than its limit', async () => {
    expect(allKeys).toHaveLength(FEATURE_COUNT);
    const first = await vendorJson<{ list: unknown[]; next_offset?: string }>(
      `${stack.urls.chargebee}/customers/${CUSTOMER}/customer_entitlements?limit=100`,
      { authorization },
    );
    expect(first.list.length).toBe(300);
    expect(first.next_offset).toBeDefined();
    // The oracle itself must cover both answers, or the hasAccess filters would test nothing.
    expect(expectedKeys(expected, (_, f) => !f.hasAccess).length).toBeGreaterThan(20);
    expect(expectedKeys(expected, (_, f) => f.hasAccess).length).toBeGreaterThan(20);
  });

  it.each(LIMITS)(
    'limit %i: every feature exactly once, with the vendor answering once per vendor page',
    async (limit) => {
      const before = customerEntitlementCalls(stack).length;
      const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], limit);
      expectCrawlMatches(result, expected, allKeys, owner);
      expect(result.pages).toHaveLength(Math.ceil(FEATURE_COUNT / limit));
      // Every page after the first load is served from the one snapshot: at most the 3 vendor pages.
      expect(customerEntitlementCalls(stack).length - before).toBeLessThanOrEqual(3);
    },
  );

  it('filters: featureKey (repeated), type, hasAccess and combinations, each at limits 1, 7, 50, 100', async () => {
    await expectFilteredCrawls(stack.app, log, 'chargebee', CUSTOMER, expected, allKeys, 'numeric');
  });

  it('a refresh of unchanged data in the middle of a crawl: no repeat, no skip', async () => {
    const before = customerEntitlementCalls(stack).length;
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], 7, async (pages) => {
      if (pages !== 3 && pages !== 20) return;
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=chargebee`,
        {
          method: 'POST',
        },
      );
      expect(refresh.status).toBe(200);
      expect(refresh.body).toMatchObject({ entitlementCount: FEATURE_COUNT });
    });
    expectCrawlMatches(result, expected, allKeys, owner);
    // Both refreshes really went to Chargebee (3 pages each), the crawl's own pages did not.
    expect(customerEntitlementCalls(stack).length - before).toBe(6);
  });

  it('Cache-Control: no-cache on a later page reloads, and the crawl continues after the last key', async () => {
    const params = [
      ['vendor', 'chargebee'],
      ['limit', '50'],
    ] as const;
    const first = await call(stack.app, log, listPath(CUSTOMER, params));
    const firstPage = first.body as { data: Array<{ featureKey: string }>; nextCursor: string };
    const before = customerEntitlementCalls(stack).length;
    const second = await call(stack.app, log, listPath(CUSTOMER, params, firstPage.nextCursor), {
      headers: { 'cache-control': 'no-cache' },
    });
    expect(second.status).toBe(200);
    expect(customerEntitlementCalls(stack).length - before).toBe(3);
    const secondKeys = (second.body as { data: Array<{ featureKey: string }> }).data.map((e) => e.featureKey);
    expect([...firstPage.data.map((e) => e.featureKey), ...secondKeys]).toEqual(allKeys.slice(0, 100));
  });
});

describe('Chargebee through the gateway: keyset semantics when the data changes mid-crawl', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startVendorStack({ chargebee: { dataset: crawlDataset() }, env });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a key added before the position is not served, one added after is, a removed unseen key is gone', async () => {
    const store = stack.simulators.chargebee.store;
    const subscriptions = store.subscriptions.filter((s) => s.customer_id === CUSTOMER).map((s) => s.id);
    const seenBeforeChange: string[] = [];
    let position = '';
    const addFeature = (id: string) => {
      store.features.push({ id, name: id, status: 'active', type: 'quantity', unit: 'unit' });
      for (const subscription of subscriptions) {
        store.subscriptionEntitlements.push({
          subscription_id: subscription,
          feature_id: id,
          value: '4',
          is_enabled: true,
          is_overridden: false,
        });
      }
    };
    const removeFeature = (id: string) => {
      store.subscriptionEntitlements = store.subscriptionEntitlements.filter((row) => row.feature_id !== id);
    };

    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], 7, async (pages) => {
      if (pages !== 2) return;
      const firstTwo = chargebeeExpected(store, CUSTOMER, Date.now());
      seenBeforeChange.push(...expectedKeys(firstTwo).slice(0, 14));
      position = seenBeforeChange.at(-1) as string;
      addFeature('crawl-0000-added-before');
      addFeature('crawl-0150-added-after');
      removeFeature('crawl-0200');
      removeFeature('crawl-0003');
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=chargebee`,
        {
          method: 'POST',
        },
      );
      expect(refresh.status).toBe(200);
    });

    expect(compareCodeUnits('crawl-0000-added-before', position)).toBe(-1);
    expect(compareCodeUnits('crawl-0150-added-after', position)).toBe(1);
    const after = chargebeeExpected(store, CUSTOMER, Date.now());
    const expectedKeysAfterChange = [
      ...seenBeforeChange,
      ...expectedKeys(after, (key) => compareCodeUnits(key, position) > 0),
    ];
    expect(result.keys).toEqual(expectedKeysAfterChange);
    expect(result.keys).toContain('crawl-0150-added-after');
    expect(result.keys).toContain('crawl-0003');
    expect(result.keys).not.toContain('crawl-0000-added-before');
    expect(result.keys).not.toContain('crawl-0200');
    // Pages after the change count the new data: +2 added, -2 removed.
    expect(result.pages.at(-1)?.page.totalCount).toBe(FEATURE_COUNT);
    expect(result.pages[0]?.page.totalCount).toBe(FEATURE_COUNT);
  });
});

describe('Chargebee through the gateway: outgoing requests of one crawl', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startVendorStack({ chargebee: { dataset: crawlDataset() }, env });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('customer_entitlements at limit=100 with each next_offset passed back verbatim; the catalogue from /features; Basic auth', async () => {
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], 7);
    expect(result.keys).toHaveLength(FEATURE_COUNT);
    const recorded = [...stack.simulators.chargebee.kit.recorded];
    expect(stack.simulators.zenskar.kit.recorded).toHaveLength(0);
    expect(stack.simulators.paygentic.kit.recorded).toHaveLength(0);

    // What Chargebee itself hands out as next_offset, read directly (after the crawl's requests were copied).
    const vendorOffsets = async (path: string) => {
      const offsets: string[] = [];
      let offset: string | undefined;
      do {
        const query = new URLSearchParams({ limit: '100', ...(offset === undefined ? {} : { offset }) });
        const page = await vendorJson<{ next_offset?: string }>(`${stack.urls.chargebee}${path}?${query}`, {
          authorization,
        });
        offset = page.next_offset;
        if (offset !== undefined) offsets.push(offset);
      } while (offset !== undefined);
      return offsets;
    };
    const entitlementOffsets = await vendorOffsets(`/customers/${CUSTOMER}/customer_entitlements`);
    const featureOffsets = await vendorOffsets('/features');
    expect(entitlementOffsets.length).toBeGreaterThanOrEqual(2);

    const pages = recorded.filter((r) => r.path === `/api/v2/customers/${CUSTOMER}/customer_entitlements`);
    expect(pages.map((r) => r.query)).toEqual([
      { limit: ['100'] },
      ...entitlementOffsets.map((offset) => ({ limit: ['100'], offset: [offset] })),
    ]);
    const catalogue = recorded.filter((r) => r.path === '/api/v2/features');
    expect(catalogue.map((r) => r.query)).toEqual([
      { limit: ['100'] },
      ...featureOffsets.map((offset) => ({ limit: ['100'], offset: [offset] })),
    ]);
    expect(recorded).toHaveLength(pages.length + catalogue.length);
    for (const request of recorded) {
      expect(request.method).toBe('GET');
      expect(request.headers['authorization']).toBe(
        `Basic ${Buffer.from(`${chargebeeSandboxCredentials.apiKey}:`).toString('base64')}`,
      );
    }
  });
});

describe('Chargebee through the gateway: customer_entitlements disabled → subscription fallback', () => {
  let stack: Stack;
  let expected: Map<string, ExpectedFeature>;
  let allKeys: string[];

  beforeAll(async () => {
    stack = await startVendorStack({
      chargebee: { dataset: crawlDataset(), customerEntitlementsEnabled: false },
      env,
    });
    expected = chargebeeExpected(stack.simulators.chargebee.store, CUSTOMER, Date.now(), true);
    allKeys = expectedKeys(expected);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('outgoing requests: the refused customer_entitlements, the filtered subscriptions, every subscription_entitlements page', async () => {
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], 7);
    expectCrawlMatches(result, expected, allKeys, owner);
    const recorded = stack.simulators.chargebee.kit.recorded.filter((r) => r.path !== '/api/v2/features');
    expect(recorded[0]).toMatchObject({
      path: `/api/v2/customers/${CUSTOMER}/customer_entitlements`,
      query: { limit: ['100'] },
    });
    expect(recorded[1]).toMatchObject({
      path: '/api/v2/subscriptions',
      query: { 'customer_id[is]': [CUSTOMER], 'status[in]': ['["active","non_renewing"]'], limit: ['100'] },
    });
    const subscriptions = stack.simulators.chargebee.store.subscriptions.filter(
      (s) => s.customer_id === CUSTOMER,
    );
    expect(subscriptions).toHaveLength(3);
    for (const subscription of subscriptions) {
      const path = `/api/v2/subscriptions/${subscription.id}/subscription_entitlements`;
      const pages = recorded.filter((r) => r.path === path);
      // 230 rows per subscription at 100 a page; the later offsets are Chargebee's own tokens.
      expect(pages).toHaveLength(3);
      expect(pages[0]?.query).toEqual({ limit: ['100'] });
      for (const page of pages.slice(1)) expect(Object.keys(page.query).sort()).toEqual(['limit', 'offset']);
      expect(new Set(pages.map((page) => page.query['offset']?.[0])).size).toBe(3);
    }
    expect(recorded).toHaveLength(2 + 3 * 3);
    for (const request of stack.simulators.chargebee.kit.recorded)
      expect(request.headers['authorization']).toBe(authorization);
  });

  it.each(LIMITS)('limit %i: every feature exactly once through the fallback', async (limit) => {
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'chargebee']], limit);
    expectCrawlMatches(result, expected, allKeys, owner);
  });

  it('filters through the fallback at limits 1 and 7', async () => {
    for (const filter of filterCases(allKeys, 'numeric')) {
      const keys = expectedKeys(expected, filter.select);
      for (const limit of [1, 7]) {
        const result = await crawl(
          stack.app,
          log,
          CUSTOMER,
          [['vendor', 'chargebee'], ...filter.params],
          limit,
        );
        expectCrawlMatches(result, expected, keys, owner);
      }
    }
  });
});

describe('Chargebee crawl suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.seen.length).toBeGreaterThan(500);
    expect(log.serverErrors()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PaygenticStoredEntitlement,
  paygenticSandboxCredentials,
} from '../../../../adapters/paygentic/fixtures';
import { paygenticExpected, paygenticVendorRows } from '../../../../adapters/paygentic/test-kit';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  call,
  compareCodeUnits,
  crawl,
  type ExpectedFeature,
  expectCrawlMatches,
  expectedKeys,
  expectFilteredCrawls,
  StatusLog,
} from '../../../support/crawl-support';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * Paygentic through the gateway: the list endpoint crawled with limits 1, 7, 50 and 100
 * over the demo customer with 520 rows (260 feature keys, two products each: six vendor pages of 100),
 * with filters, with `at`, and across refreshes. The pages after the first must be fetched
 * concurrently. Expected sets come from Paygentic's own answer read directly (`paygenticExpected`:
 * its `hasAccess` is authoritative), never from the gateway.
 */

const CUSTOMER = 'cus_demoBigco';
const FEATURE_COUNT = 260;
const ROW_COUNT = 520;
const LIMITS = [1, 7, 50, 100] as const;
const log = new StatusLog();
// PAYGENTIC_CACHE_TTL_SECONDS caps the Paygentic TTL (10 s by default): raise both so no snapshot
// expires in the middle of a crawl on a slow machine.
const env = { CACHE_TTL_SECONDS: '3600', PAYGENTIC_CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' };
const owner = { vendor: 'paygentic', customerId: CUSTOMER };

type Stack = Awaited<ReturnType<typeof startVendorStack>>;

function listCalls(stack: Stack): RecordedRequest[] {
  return stack.simulators.paygentic.kit.recorded.filter((request) => request.path === '/v1/entitlements');
}

async function oracle(stack: Stack, at?: string): Promise<Map<string, ExpectedFeature>> {
  const rows = await paygenticVendorRows(
    stack.urls.paygentic,
    paygenticSandboxCredentials.apiKey,
    CUSTOMER,
    at,
  );
  expect(rows).toHaveLength(ROW_COUNT);
  return paygenticExpected(rows);
}

describe('Paygentic through the gateway: crawls', () => {
  let stack: Stack;
  let expected: Map<string, ExpectedFeature>;
  let allKeys: string[];

  beforeAll(async () => {
    stack = await startVendorStack({ env });
    expected = await oracle(stack);
    allKeys = expectedKeys(expected);
    // The oracle's own reads are not the gateway's.
    stack.simulators.paygentic.kit.reset();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('precondition: 260 feature keys over six vendor pages, both answers present', () => {
    expect(allKeys).toHaveLength(FEATURE_COUNT);
    expect(expectedKeys(expected, (_, f) => !f.hasAccess).length).toBeGreaterThan(5);
  });

  it('outgoing requests of one crawl: page 1, then the other five at once (two round trips), Bearer auth', async () => {
    const kit = stack.simulators.paygentic.kit;
    // Latency on every answer makes the concurrent pages overlap observably.
    kit.setLatency(60);
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'paygentic']], 7);
    kit.setLatency(0);
    expectCrawlMatches(result, expected, allKeys, owner);
    expect(stack.simulators.chargebee.kit.recorded).toHaveLength(0);
    expect(stack.simulators.zenskar.kit.recorded).toHaveLength(0);

    const recorded = listCalls(stack);
    expect(recorded).toHaveLength(6);
    expect(kit.recorded).toHaveLength(6);
    expect(
      recorded.map((request) => request.query).sort((a, b) => Number(a['offset']) - Number(b['offset'])),
    ).toEqual(
      [0, 100, 200, 300, 400, 500].map((offset) => ({
        customerId: [CUSTOMER],
        limit: ['100'],
        offset: [String(offset)],
      })),
    );
    for (const request of recorded) {
      expect(request.method).toBe('GET');
      expect(request.headers['authorization']).toBe(`Bearer ${paygenticSandboxCredentials.apiKey}`);
    }
    // Page 1 (offset 0) first: its total tells where the others are. Then they run at the same time.
    const [first, ...rest] = recorded;
    expect(first?.query['offset']).toEqual(['0']);
    for (const request of rest)
      expect(request.startedAt).toBeGreaterThanOrEqual(first?.endedAt ?? Number.NaN);
    // The other five within the default page concurrency (8): all in flight together.
    expect(kit.inFlight.peak).toBe(5);
  });

  it.each(LIMITS)('limit %i: every feature exactly once', async (limit) => {
    const before = listCalls(stack).length;
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'paygentic']], limit);
    expectCrawlMatches(result, expected, allKeys, owner);
    expect(result.pages).toHaveLength(Math.ceil(FEATURE_COUNT / limit));
    expect(listCalls(stack).length).toBe(before);
  });

  it('filters: featureKey (repeated), type, hasAccess and combinations, each at limits 1, 7, 50, 100', async () => {
    await expectFilteredCrawls(stack.app, log, 'paygentic', CUSTOMER, expected, allKeys, 'metered');
  });

  it('with `at`: Paygentic evaluates every page at that instant, and the crawl follows its answer', async () => {
    // Before the usage of 2024-06-01 ran some hard-limited balances dry: Paygentic's answer then
    // differs from today's for some features, so a gateway that ignored `at` would fail here.
    const at = '2024-05-01T00:00:00Z';
    const then = await oracle(stack, at);
    stack.simulators.paygentic.kit.reset();
    const differing = allKeys.filter((key) => then.get(key)?.hasAccess !== expected.get(key)?.hasAccess);
    expect(differing.length).toBeGreaterThan(0);
    for (const limit of [7, 100]) {
      const result = await crawl(
        stack.app,
        log,
        CUSTOMER,
        [
          ['vendor', 'paygentic'],
          ['at', at],
        ],
        limit,
      );
      expectCrawlMatches(result, then, allKeys, owner);
      const denied = await crawl(
        stack.app,
        log,
        CUSTOMER,
        [
          ['vendor', 'paygentic'],
          ['at', at],
          ['hasAccess', 'false'],
        ],
        limit,
      );
      expectCrawlMatches(
        denied,
        then,
        expectedKeys(then, (_, f) => !f.hasAccess),
        owner,
      );
    }
    // One snapshot for that instant, six pages, each carrying `at` as given.
    const recorded = listCalls(stack);
    expect(recorded).toHaveLength(6);
    for (const request of recorded) expect(request.query['at']).toEqual([at]);
  });

  it('a refresh of unchanged data in the middle of a crawl: no repeat, no skip', async () => {
    const before = listCalls(stack).length;
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'paygentic']], 7, async (pages) => {
      if (pages !== 4) return;
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=paygentic`,
        { method: 'POST' },
      );
      expect(refresh.status).toBe(200);
    });
    expectCrawlMatches(result, expected, allKeys, owner);
    expect(listCalls(stack).length - before).toBe(6);
  });
});

describe('Paygentic through the gateway: keyset semantics when the data changes mid-crawl', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startVendorStack({ env });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a key added before the position is not served, one added after is, a removed unseen key is gone', async () => {
    const entitlements = stack.simulators.paygentic.store.customers.get(CUSTOMER);
    if (!entitlements) throw new Error('fixture missing');
    const initial = expectedKeys(await oracle(stack));
    const seen = initial.slice(0, 14);
    const position = seen.at(-1) as string;
    const addedBefore = 'feature-0000-added';
    const addedAfter = 'feature-0150-added';
    const add = (featureKey: string, index: number): PaygenticStoredEntitlement => ({
      id: `ent_crawlAdded${index}`,
      customerId: CUSTOMER,
      productId: 'prod_added',
      subscriptionId: null,
      featureId: `feat_added${index}`,
      featureKey,
      featureType: 'boolean',
      activeFrom: '2024-01-01T00:00:00Z',
      activeTo: null,
      canceledAt: null,
      config: null,
      metadata: {},
      metering: null,
    });

    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'paygentic']], 7, async (pages) => {
      if (pages !== 2) return;
      // In the middle of Paygentic's issue order, so offsets shift for the rows after them.
      entitlements.splice(37, 0, add(addedBefore, 1), add(addedAfter, 2));
      const kept = entitlements.filter(
        (entitlement) =>
          entitlement.featureKey !== 'feature-0200' && entitlement.featureKey !== 'feature-0003',
      );
      entitlements.splice(0, entitlements.length, ...kept);
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=paygentic`,
        { method: 'POST' },
      );
      expect(refresh.status).toBe(200);
    });

    expect(compareCodeUnits(addedBefore, position)).toBe(-1);
    expect(compareCodeUnits(addedAfter, position)).toBe(1);
    const changed = paygenticExpected(
      await paygenticVendorRows(stack.urls.paygentic, paygenticSandboxCredentials.apiKey, CUSTOMER),
    );
    expect(result.keys).toEqual([
      ...seen,
      ...expectedKeys(changed, (key) => compareCodeUnits(key, position) > 0),
    ]);
    expect(result.keys).toContain(addedAfter);
    expect(result.keys).toContain('feature-0003');
    expect(result.keys).not.toContain(addedBefore);
    expect(result.keys).not.toContain('feature-0200');
    expect(result.pages.at(-1)?.page.totalCount).toBe(FEATURE_COUNT);
  });
});

describe('Paygentic crawl suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.seen.length).toBeGreaterThan(500);
    expect(log.serverErrors()).toEqual([]);
  });
});

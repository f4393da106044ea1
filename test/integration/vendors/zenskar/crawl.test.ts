import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  generateZenskarCustomer,
  type ZenskarStoredRow,
  zenskarFixtureUuid,
  zenskarSandboxCredentials,
} from '../../../../adapters/zenskar/fixtures';
import { zenskarExpected } from '../../../../adapters/zenskar/test-kit';
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
 * Zenskar through the gateway: the list endpoint crawled with limits 1, 7, 50 and 100
 * over a customer with 230 entitlement definitions and 460 rows (five vendor pages of 100, several
 * rows per feature, every row status), with filters and across refreshes. Expected sets come from the
 * simulator's store (`zenskarExpected`), never from the gateway.
 */

const CUSTOMER = zenskarFixtureUuid('gateway-crawl-customer');
const FEATURE_COUNT = 230;
const ROWS_PER_FEATURE = 2;
const LIMITS = [1, 7, 50, 100] as const;
const log = new StatusLog();
const env = { CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' };
const owner = { vendor: 'zenskar', customerId: CUSTOMER };

type Stack = Awaited<ReturnType<typeof startVendorStack>>;

async function stackWithCrawlCustomer(): Promise<Stack> {
  const stack = await startVendorStack({ env });
  const generated = generateZenskarCustomer(CUSTOMER, FEATURE_COUNT, {
    rowsPerFeature: ROWS_PER_FEATURE,
    name: 'Gateway crawl',
  });
  stack.simulators.zenskar.store.putCustomer(generated.customer, generated.definitions);
  return stack;
}

function customerCalls(stack: Stack): RecordedRequest[] {
  return stack.simulators.zenskar.kit.recorded.filter(
    (request) => request.path === `/entitlements/customer/${CUSTOMER}`,
  );
}

describe('Zenskar through the gateway: crawls', () => {
  let stack: Stack;
  let expected: Map<string, ExpectedFeature>;
  let allKeys: string[];

  beforeAll(async () => {
    stack = await stackWithCrawlCustomer();
    expected = zenskarExpected(stack.simulators.zenskar.store, CUSTOMER, Date.now());
    allKeys = expectedKeys(expected);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('precondition: 460 rows (five vendor pages at 100), both answers present', () => {
    expect(allKeys).toHaveLength(FEATURE_COUNT);
    expect(stack.simulators.zenskar.store.customers.get(CUSTOMER)?.rows).toHaveLength(460);
    expect(expectedKeys(expected, (_, f) => !f.hasAccess).length).toBeGreaterThan(5);
    expect(expectedKeys(expected, (_, f) => f.type === 'metered').length).toBeGreaterThan(50);
  });

  it('outgoing requests of one crawl: limit=100, the opaque next cursor passed back, x-api-key + organisation', async () => {
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'zenskar']], 7);
    expectCrawlMatches(result, expected, allKeys, owner);
    const recorded = stack.simulators.zenskar.kit.recorded;
    expect(stack.simulators.chargebee.kit.recorded).toHaveLength(0);
    expect(stack.simulators.paygentic.kit.recorded).toHaveLength(0);
    // 460 rows at 100 a page; the crawl's 33 gateway pages cost no more vendor calls.
    expect(recorded).toHaveLength(5);
    expect(recorded[0]?.query).toEqual({ limit: ['100'] });
    const cursors = recorded.slice(1).map((request) => {
      expect(Object.keys(request.query).sort()).toEqual(['cursor', 'limit']);
      expect(request.query['limit']).toEqual(['100']);
      return request.query['cursor']?.[0];
    });
    // The simulator answers 422 for any cursor it did not issue for this listing, so every page
    // having been served proves each cursor went back verbatim; they are all different.
    expect(new Set(cursors).size).toBe(4);
    for (const request of recorded) {
      expect(request).toMatchObject({ method: 'GET', path: `/entitlements/customer/${CUSTOMER}` });
      expect(request.headers['x-api-key']).toBe(zenskarSandboxCredentials.apiKey);
      expect(request.headers['organisation']).toBe(zenskarSandboxCredentials.organisation);
      expect(request.headers['authorization']).toBeUndefined();
    }
  });

  it.each(LIMITS)('limit %i: every feature exactly once', async (limit) => {
    const before = customerCalls(stack).length;
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'zenskar']], limit);
    expectCrawlMatches(result, expected, allKeys, owner);
    expect(result.pages).toHaveLength(Math.ceil(FEATURE_COUNT / limit));
    // Served from the cached snapshot.
    expect(customerCalls(stack).length).toBe(before);
  });

  it('filters: featureKey (repeated), type, hasAccess and combinations, each at limits 1, 7, 50, 100', async () => {
    await expectFilteredCrawls(stack.app, log, 'zenskar', CUSTOMER, expected, allKeys, 'metered');
  });

  it('a refresh of unchanged data in the middle of a crawl: no repeat, no skip', async () => {
    const before = customerCalls(stack).length;
    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'zenskar']], 7, async (pages) => {
      if (pages !== 5) return;
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=zenskar`,
        {
          method: 'POST',
        },
      );
      expect(refresh.status).toBe(200);
    });
    expectCrawlMatches(result, expected, allKeys, owner);
    expect(customerCalls(stack).length - before).toBe(5);
  });
});

describe('Zenskar through the gateway: keyset semantics when the data changes mid-crawl', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await stackWithCrawlCustomer();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a key added before the position is not served, one added after is, a removed unseen key is gone', async () => {
    const store = stack.simulators.zenskar.store;
    const customer = store.customers.get(CUSTOMER);
    if (!customer) throw new Error('fixture missing');
    const initial = expectedKeys(zenskarExpected(store, CUSTOMER, Date.now()));
    const seen = initial.slice(0, 14);
    const position = seen.at(-1) as string;
    // Definition ids are UUIDs: all zeros sorts before every generated id, all f's after.
    const before = '00000000-0000-4000-8000-00000000000a';
    const afterKey = 'ffffffff-ffff-4fff-bfff-fffffffffff0';
    const removedUnseen = initial[100] as string;
    const removedSeen = initial[3] as string;
    const addDefinition = (id: string) => {
      store.definitions.set(id, {
        id,
        name: `Added ${id.slice(0, 8)}`,
        description: null,
        entitlement_type: 'Feature',
        units: null,
      });
      const row: ZenskarStoredRow = {
        id: zenskarFixtureUuid('added-row', id),
        entitlement: id,
        customer: CUSTOMER,
        source_type: 'Grant',
        source_id: null,
        contract: null,
        product: null,
        invoice: null,
        active_from: '2024-01-01T00:00:00Z',
        expiry_at: null,
        quantity: null,
        quantity_used: null,
        created_at: '2030-01-01T00:00:00Z',
        event: 'Manual',
        status: 'active',
      };
      customer.rows.push(row);
    };

    const result = await crawl(stack.app, log, CUSTOMER, [['vendor', 'zenskar']], 7, async (pages) => {
      if (pages !== 2) return;
      addDefinition(before);
      addDefinition(afterKey);
      customer.rows = customer.rows.filter(
        (row) => row.entitlement !== removedUnseen && row.entitlement !== removedSeen,
      );
      const refresh = await call(
        stack.app,
        log,
        `/v1/customers/${CUSTOMER}/entitlements/refresh?vendor=zenskar`,
        {
          method: 'POST',
        },
      );
      expect(refresh.status).toBe(200);
    });

    expect(compareCodeUnits(before, position)).toBe(-1);
    expect(compareCodeUnits(removedUnseen, position)).toBe(1);
    const changed = zenskarExpected(store, CUSTOMER, Date.now());
    expect(result.keys).toEqual([
      ...seen,
      ...expectedKeys(changed, (key) => compareCodeUnits(key, position) > 0),
    ]);
    expect(result.keys).toContain(afterKey);
    expect(result.keys).toContain(removedSeen);
    expect(result.keys).not.toContain(before);
    expect(result.keys).not.toContain(removedUnseen);
    expect(result.pages.at(-1)?.page.totalCount).toBe(FEATURE_COUNT);
  });
});

describe('Zenskar crawl suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.seen.length).toBeGreaterThan(500);
    expect(log.serverErrors()).toEqual([]);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Balance, type BalanceQuery, BalanceSchema, type BalanceSortKey } from '../../schemas/balance';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createUpstreamClient } from '../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../test/support/http-server';
import type { LoadContext } from '../kit';
import { createZenskarAdapter } from './adapter';
import { zenskarBalanceParams } from './client';
import type { ZenskarStoredRow } from './fixtures';
import { zenskarDemoCustomerIds, zenskarDemoDefinitionIds, zenskarSandboxCredentials } from './fixtures';
import { createZenskarSimulator } from './simulator';

const context: LoadContext = { remember: (_namespace, _key, load) => load() };
const simulator = createZenskarSimulator();
const transport = createUndiciTransport();
let server: RunningServer;

const ACME_CONTRACT = 'a1000000-0000-4000-8000-000000000001';
const GLOBEX_CONTRACT = 'a1000000-0000-4000-8000-000000000002';

beforeAll(async () => {
  server = await startHttpServer(simulator.app);
});
afterAll(async () => {
  await server.close();
  await transport.close();
});
afterEach(() => simulator.kit.reset());

function adapter() {
  return createZenskarAdapter({
    connection: { baseUrl: server.url, ...zenskarSandboxCredentials },
    upstream: createUpstreamClient({ transport }),
    connectionKey: 'tenant-a:zenskar',
    clock: { now: () => Date.now() },
  });
}

function query(partial: Partial<BalanceQuery>): BalanceQuery {
  return {
    customerIds: [],
    featureIds: [],
    contractIds: [],
    ranges: [],
    populate: [],
    limit: 50,
    ...partial,
  };
}

/** Follows `nextVendorCursor` to the end, as the gateway's balances route does. */
async function crawl(
  balanceQuery: BalanceQuery,
): Promise<{ balances: Balance[]; pages: number; totals: Array<number | null> }> {
  const zenskar = adapter();
  const balances: Balance[] = [];
  const totals: Array<number | null> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const listBalances = zenskar.listBalances;
    if (!listBalances) throw new Error('listBalances missing');
    const page = await listBalances(balanceQuery, cursor, context);
    pages += 1;
    balances.push(...page.balances);
    totals.push(page.totalCount);
    cursor = page.nextVendorCursor;
    if (pages > 500) throw new Error('crawl did not end');
  } while (cursor !== null);
  return { balances, pages, totals };
}

// An independent, direct reading of the documented filters over the store, in gateway naming.
function fieldValue(row: ZenskarStoredRow, field: BalanceQuery['ranges'][number]['field']): number | null {
  switch (field) {
    case 'quantity':
      return row.quantity;
    case 'usage':
      return row.quantity_used;
    case 'remaining':
      throw new Error('Zenskar cannot filter on remaining; no scenario may use it');
    case 'createdAt':
      return Date.parse(row.created_at);
    case 'activeFrom':
      return row.active_from === null ? null : Date.parse(row.active_from);
    case 'expiresAt':
      return row.expiry_at === null ? null : Date.parse(row.expiry_at);
  }
}

function expected(balanceQuery: BalanceQuery): ZenskarStoredRow[] {
  return simulator.store.allRows().filter((row) => {
    if (balanceQuery.customerIds.length > 0 && !balanceQuery.customerIds.includes(row.customer)) return false;
    if (balanceQuery.featureIds.length > 0 && !balanceQuery.featureIds.includes(row.entitlement))
      return false;
    if (balanceQuery.contractIds.length > 0 && !balanceQuery.contractIds.includes(row.contract?.id ?? ''))
      return false;
    for (const range of balanceQuery.ranges) {
      const value = fieldValue(row, range.field);
      const bound = typeof range.value === 'number' ? range.value : Date.parse(range.value);
      if (value === null) return false;
      const ok = {
        eq: value === bound,
        neq: value !== bound,
        gt: value > bound,
        gte: value >= bound,
        lt: value < bound,
        lte: value <= bound,
      }[range.operator];
      if (!ok) return false;
    }
    if (balanceQuery.search) {
      const definition = simulator.store.definitions.get(row.entitlement);
      const text = `${definition?.name} ${definition?.description}`.toLowerCase();
      if (!text.includes(balanceQuery.search.toLowerCase())) return false;
    }
    return true;
  });
}

const sortValue: Record<BalanceSortKey, (balance: Balance) => string | number | null> = {
  id: (balance) => balance.id,
  createdAt: (balance) => (balance.createdAt === null ? null : Date.parse(balance.createdAt)),
  quantity: (balance) => balance.quantity,
  usage: (balance) => balance.usage,
  activeFrom: (balance) => (balance.activeFrom === null ? null : Date.parse(balance.activeFrom)),
  expiresAt: (balance) => (balance.expiresAt === null ? null : Date.parse(balance.expiresAt)),
};

function expectSorted(balances: Balance[], key: BalanceSortKey, direction: 'asc' | 'desc') {
  const values = balances.map(sortValue[key]);
  for (let index = 1; index < values.length; index += 1) {
    const previous = values[index - 1] ?? null;
    const current = values[index] ?? null;
    // Nulls last ascending, first descending (as PostgreSQL sorts them).
    if (previous === null || current === null) {
      if (direction === 'asc') expect(previous === null && current !== null).toBe(false);
      else expect(previous !== null && current === null).toBe(false);
      continue;
    }
    if (direction === 'asc') expect(previous <= current).toBe(true);
    else expect(previous >= current).toBe(true);
  }
}

interface Scenario {
  name: string;
  query: BalanceQuery;
  /** The exact vendor query string of the first request (later ones add only `cursor`). */
  wire: Record<string, string[]>;
  minPages: number;
}

const scenarios: Scenario[] = [
  {
    name: 'no filter, the maximum page size',
    query: query({ limit: 100 }),
    wire: { limit: ['100'] },
    minPages: 5,
  },
  {
    name: 'several customers, quantity > 0, sorted by quantity descending',
    query: query({
      customerIds: [zenskarDemoCustomerIds.acme, zenskarDemoCustomerIds.globex],
      ranges: [{ field: 'quantity', operator: 'gt', value: 0 }],
      sort: { key: 'quantity', direction: 'desc' },
      limit: 5,
    }),
    wire: {
      customer__in: [`${zenskarDemoCustomerIds.acme},${zenskarDemoCustomerIds.globex}`],
      quantity__gt: ['0'],
      sort_key: ['quantity'],
      sort_type: ['desc'],
      limit: ['5'],
    },
    minPages: 3,
  },
  {
    name: 'one customer, one feature, populated',
    query: query({
      customerIds: [zenskarDemoCustomerIds.acme],
      featureIds: [zenskarDemoDefinitionIds.apiCalls],
      populate: ['customer', 'contract'],
      limit: 1,
    }),
    wire: {
      customer: [zenskarDemoCustomerIds.acme],
      entitlement: [zenskarDemoDefinitionIds.apiCalls],
      populate: ['customer,contract'],
      limit: ['1'],
    },
    minPages: 2,
  },
  {
    name: 'several contracts and several features, usage = 2500',
    query: query({
      contractIds: [ACME_CONTRACT, GLOBEX_CONTRACT],
      featureIds: [
        zenskarDemoDefinitionIds.apiCalls,
        zenskarDemoDefinitionIds.prioritySupport,
        zenskarDemoDefinitionIds.sso,
      ],
      ranges: [{ field: 'usage', operator: 'eq', value: 2500 }],
      limit: 1,
    }),
    wire: {
      entitlement__in: [
        `${zenskarDemoDefinitionIds.apiCalls},${zenskarDemoDefinitionIds.prioritySupport},${zenskarDemoDefinitionIds.sso}`,
      ],
      contract_id__in: [`${ACME_CONTRACT},${GLOBEX_CONTRACT}`],
      quantity_used: ['2500'],
      limit: ['1'],
    },
    minPages: 1,
  },
  {
    name: 'date ranges, sorted by expiry ascending',
    query: query({
      ranges: [
        { field: 'expiresAt', operator: 'lt', value: '2026-01-01T00:00:00Z' },
        { field: 'createdAt', operator: 'gte', value: '2024-01-01T01:00:00Z' },
        { field: 'activeFrom', operator: 'lte', value: '2024-01-01T00:00:00Z' },
      ],
      sort: { key: 'expiresAt', direction: 'asc' },
      limit: 4,
    }),
    wire: {
      expiry_at__lt: ['2026-01-01T00:00:00Z'],
      created_at__gte: ['2024-01-01T01:00:00Z'],
      active_from__lte: ['2024-01-01T00:00:00Z'],
      sort_key: ['expiry_at'],
      sort_type: ['asc'],
      limit: ['4'],
    },
    minPages: 3,
  },
  {
    name: 'search, quantity != 100 and usage <= 50, sorted by usage ascending',
    query: query({
      search: 'Credits',
      ranges: [
        { field: 'quantity', operator: 'neq', value: 100 },
        { field: 'usage', operator: 'lte', value: 50 },
      ],
      sort: { key: 'usage', direction: 'asc' },
      limit: 3,
    }),
    wire: {
      quantity__neq: ['100'],
      quantity_used__lte: ['50'],
      search: ['Credits'],
      sort_key: ['quantity_used'],
      sort_type: ['asc'],
      limit: ['3'],
    },
    minPages: 2,
  },
  {
    name: 'sorted by created_at descending (ties broken by id)',
    query: query({
      customerIds: [zenskarDemoCustomerIds.acme, zenskarDemoCustomerIds.umbrella],
      sort: { key: 'createdAt', direction: 'desc' },
      limit: 2,
    }),
    wire: {
      customer__in: [`${zenskarDemoCustomerIds.acme},${zenskarDemoCustomerIds.umbrella}`],
      sort_key: ['created_at'],
      sort_type: ['desc'],
      limit: ['2'],
    },
    minPages: 5,
  },
  {
    name: 'sorted by id descending, active_from not equal',
    query: query({
      customerIds: [zenskarDemoCustomerIds.globex],
      ranges: [{ field: 'activeFrom', operator: 'neq', value: '2030-01-01T00:00:00Z' }],
      sort: { key: 'id', direction: 'desc' },
      limit: 4,
    }),
    wire: {
      customer: [zenskarDemoCustomerIds.globex],
      active_from__neq: ['2030-01-01T00:00:00Z'],
      sort_key: ['id'],
      sort_type: ['desc'],
      limit: ['4'],
    },
    minPages: 3,
  },
];

describe('zenskar listBalances over real HTTP', () => {
  for (const scenario of scenarios) {
    it(`crawls exactly the matching rows: ${scenario.name}`, async () => {
      const want = expected(scenario.query);
      const { balances, pages, totals } = await crawl(scenario.query);

      const ids = balances.map((balance) => balance.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(want.map((row) => row.id).sort());
      expect(pages).toBeGreaterThanOrEqual(Math.max(1, scenario.minPages));
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / scenario.query.limit)));
      expect(totals.every((total) => total === want.length)).toBe(true);
      for (const balance of balances) BalanceSchema.parse(balance);
      if (scenario.query.sort) expectSorted(balances, scenario.query.sort.key, scenario.query.sort.direction);

      const requests = simulator.kit.recorded;
      expect(requests).toHaveLength(pages);
      requests.forEach((request, index) => {
        expect(request.method).toBe('GET');
        expect(request.path).toBe('/entitlements/customers_balances');
        expect(request.headers['x-api-key']).toBe(zenskarSandboxCredentials.apiKey);
        expect(request.headers['organisation']).toBe(zenskarSandboxCredentials.organisation);
        expect(request.query).toEqual(
          index === 0 ? scenario.wire : { ...scenario.wire, cursor: [expect.any(String)] },
        );
      });
    });
  }

  it('maps populated rows, and leaves the customer as an id when not populated', async () => {
    const populated = await crawl(
      query({
        customerIds: [zenskarDemoCustomerIds.acme],
        populate: ['customer', 'contract', 'product', 'invoice'],
      }),
    );
    const withInvoice = populated.balances.find((balance) => balance.invoice !== null);
    expect(withInvoice).toMatchObject({
      customerId: zenskarDemoCustomerIds.acme,
      customer: { id: zenskarDemoCustomerIds.acme, name: 'Acme Corp', email: 'billing@acme.example' },
      invoice: { name: 'INV-2024-0042' },
      product: { name: expect.any(String) },
      featureName: expect.any(String),
    });
    expect(withInvoice?.raw).toMatchObject({ id: withInvoice?.id, customer: { name: 'Acme Corp' } });

    simulator.kit.reset();
    const bare = await crawl(query({ customerIds: [zenskarDemoCustomerIds.acme] }));
    expect(bare.balances.every((balance) => balance.customer === null)).toBe(true);
    expect(bare.balances.every((balance) => balance.customerId === zenskarDemoCustomerIds.acme)).toBe(true);
    expect(
      bare.balances.every((balance) => balance.contract === null || balance.contract.name === null),
    ).toBe(true);
  });

  it('reads `total` or `total_count` and ends on an empty next', async () => {
    const body = JSON.stringify({ results: [{ id: 'r1', quantity: 3 }], next: '', total_count: 7 });
    simulator.kit.inject({ fault: { kind: 'status', status: 200, body } });
    const page = await adapter().listBalances?.(query({}), null, context);
    expect(page).toMatchObject({
      totalCount: 7,
      nextVendorCursor: null,
      balances: [{ id: 'r1', remaining: 3 }],
    });
  });

  it('rejects a vendor that hands back the cursor it was given', async () => {
    const body = JSON.stringify({ results: [], next: 'stuck', total: 0 });
    simulator.kit.inject({ fault: { kind: 'status', status: 200, body } });
    await expect(adapter().listBalances?.(query({}), 'stuck', context)).rejects.toMatchObject({
      code: 'vendor_bad_response',
      vendor: 'zenskar',
    });
  });

  it('reports the vendor 422 for a cursor it no longer knows as an invalid cursor (start over)', async () => {
    await expect(adapter().listBalances?.(query({}), 'not-a-real-cursor', context)).rejects.toMatchObject({
      code: 'invalid_cursor',
      vendor: 'zenskar',
      errors: [{ path: 'query.cursor' }],
    });
    expect(simulator.kit.recorded).toHaveLength(1);
  });

  it('keeps any other vendor 422 a rejected request', async () => {
    const body = JSON.stringify({
      detail: [
        { type: 'float_parsing', loc: ['query', 'quantity__gt'], msg: 'Input should be a valid number' },
      ],
    });
    simulator.kit.inject({ fault: { kind: 'status', status: 422, body } });
    await expect(adapter().listBalances?.(query({}), 'some-cursor', context)).rejects.toMatchObject({
      code: 'vendor_request_rejected',
      vendor: 'zenskar',
      failure: { vendorStatus: 422 },
    });
  });
});

describe('zenskar balance query translation', () => {
  it('rejects non-UUID ids before calling the vendor', async () => {
    await expect(
      adapter().listBalances?.(query({ customerIds: ['acme'] }), null, context),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'query.customerId' }],
    });
    expect(simulator.kit.recorded).toHaveLength(0);
  });

  it('refuses the same range filter twice with different values (Zenskar keeps one)', () => {
    expect(() =>
      zenskarBalanceParams(
        query({
          ranges: [
            { field: 'quantity', operator: 'gt', value: 1 },
            { field: 'quantity', operator: 'gt', value: 2 },
          ],
        }),
        null,
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'unsupported_filter',
        errors: [expect.objectContaining({ path: 'query.quantity[gt]' })],
      }),
    );
    // The same value twice is one filter, which Zenskar can express.
    expect(
      zenskarBalanceParams(
        query({
          ranges: [
            { field: 'quantity', operator: 'gt', value: 1 },
            { field: 'quantity', operator: 'gt', value: 1 },
          ],
        }),
        null,
      ).getAll('quantity__gt'),
    ).toEqual(['1']);
  });

  it('refuses a remaining range, which Zenskar cannot filter on, naming the parameter', async () => {
    await expect(
      adapter().listBalances?.(
        query({ ranges: [{ field: 'remaining', operator: 'lte', value: 5 }] }),
        null,
        context,
      ),
    ).rejects.toMatchObject({
      code: 'unsupported_filter',
      vendor: 'zenskar',
      errors: [{ path: 'query.remaining[lte]' }],
    });
    expect(simulator.kit.recorded).toHaveLength(0);
  });

  it('de-duplicates ids, clamps the page size and passes the cursor verbatim', () => {
    const params = zenskarBalanceParams(
      query({
        customerIds: [zenskarDemoCustomerIds.acme, zenskarDemoCustomerIds.acme],
        limit: 500,
        search: '  ai  ',
      }),
      'V2VsbCBhcmV1IGN1cmlvdxM=',
    );
    expect(Object.fromEntries(params)).toEqual({
      customer: zenskarDemoCustomerIds.acme,
      search: 'ai',
      limit: '100',
      cursor: 'V2VsbCBhcmV1IGN1cmlvdxM=',
    });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  generateZenskarCustomer,
  type ZenskarStoredRow,
  zenskarDemoCustomerIds,
  zenskarDemoDefinitionIds,
  zenskarDemoFixtures,
  zenskarFixtureUuid,
  zenskarSandboxCredentials,
} from '../../../../adapters/zenskar/fixtures';
import { type Balance, BalanceListSchema, ListBalancesQuerySchema } from '../../../../schemas/balance';
import { EntitlementListSchema } from '../../../../schemas/page';
import { ProblemSchema } from '../../../../schemas/problem';
import { balanceQueryBinding, balanceQueryFromParameters } from '../../../../src/services/balance-service';
import { CursorCodec } from '../../../../src/services/cursor';
import { type DepthStack, startDepthStack } from '../../../support/depth-stack';

/**
 * `GET /v1/balances` end to end: the gateway over real HTTP to the Zenskar simulator (`customers_balances`).
 * Expected rows are computed here, independently, from the simulator's store with the documented
 * filter semantics, and compared with what a full crawl through the gateway returns, in order.
 */

const ACME_CONTRACT = 'a1000000-0000-4000-8000-000000000001';
const GLOBEX_CONTRACT = 'a1000000-0000-4000-8000-000000000002';
/** Vendor cursors the simulator remembers: small, so one test can make the vendor forget one. */
const VENDOR_CURSOR_CAPACITY = 8;

function fixtures() {
  const base = zenskarDemoFixtures();
  // Three more customers, created on different days, so the account spans hundreds of rows.
  for (let index = 0; index < 3; index += 1) {
    const generated = generateZenskarCustomer(zenskarFixtureUuid('depth-balances-customer', index), 12, {
      rowsPerFeature: 3,
      name: `Depth customer ${index + 1}`,
      createdFrom: `2024-0${index + 2}-15T08:00:00Z`,
    });
    base.customers.push(generated.customer);
    base.definitions.push(...generated.definitions);
  }
  return base;
}

let stack: DepthStack;

beforeAll(async () => {
  stack = await startDepthStack({
    tenants: [
      { name: 'multi', vendors: ['zenskar', 'paygentic', 'chargebee'] },
      { name: 'solo', vendors: ['zenskar'] },
    ],
    zenskar: { fixtures: fixtures(), cursorCapacity: VENDOR_CURSOR_CAPACITY },
  });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.resetRecordings());

const rows = (): ZenskarStoredRow[] => stack.simulators.zenskar.store.allRows();
const instant = (text: string | null): number | null => (text === null ? null : Date.parse(text));

/** The documented order: by key, nulls last ascending and first descending, ties by row id. */
function vendorOrder(
  list: ZenskarStoredRow[],
  key: (row: ZenskarStoredRow) => number | string | null,
  direction: 'asc' | 'desc',
): ZenskarStoredRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const left = key(a);
    const right = key(b);
    if (left !== right) {
      if (left === null) return sign;
      if (right === null) return -sign;
      return (left < right ? -1 : 1) * sign;
    }
    return (a.id < b.id ? -1 : 1) * sign;
  });
}

function searchText(row: ZenskarStoredRow): string {
  const definition = stack.simulators.zenskar.store.definitions.get(row.entitlement);
  return `${definition?.name ?? ''}\n${definition?.description ?? ''}`.toLowerCase();
}

function path(parameters: Array<[string, string]>): string {
  return `/v1/balances?${new URLSearchParams(parameters).toString()}`;
}

/** Follows `nextCursor` to the end with the same parameters, checking every page on the way. */
async function crawl(tenant: string, parameters: Array<[string, string]>, limit: number) {
  const balances: Balance[] = [];
  const totals: Array<number | null> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await stack.get(
      tenant,
      path([
        ...parameters,
        ['limit', String(limit)],
        ...(cursor === null ? [] : [['cursor', cursor] as [string, string]]),
      ]),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.headers.get('cache-status')).toBe('entitlements-gateway; fwd=bypass');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const page = BalanceListSchema.parse(response.body);
    pages += 1;
    if (page.nextCursor !== null) expect(page.data).toHaveLength(limit);
    balances.push(...page.data);
    totals.push(page.totalCount);
    cursor = page.nextCursor;
    if (pages > 200) throw new Error('the crawl did not end');
  } while (cursor !== null);
  return { balances, totals, pages };
}

interface Scenario {
  name: string;
  /** Gateway query parameters (vendor and limit are added by the crawl). */
  parameters: Array<[string, string]>;
  limit: number;
  /** The documented meaning of the filters, applied to the store. */
  matches(row: ZenskarStoredRow): boolean;
  /** The expected order; default Zenskar's `created_at` ascending. */
  order?: { key(row: ZenskarStoredRow): number | string | null; direction: 'asc' | 'desc' };
  /** The exact query string Zenskar must receive on the first page (later pages add `cursor`). */
  wire: Record<string, string[]>;
}

const scenarios: Scenario[] = [
  {
    name: 'no filter',
    parameters: [],
    limit: 40,
    matches: () => true,
    wire: { limit: ['40'] },
  },
  {
    name: 'two customers (either order), quantity > 0, sorted by quantity descending',
    parameters: [
      ['customerId', zenskarDemoCustomerIds.initech],
      ['customerId', zenskarDemoCustomerIds.acme],
      ['quantity[gt]', '0'],
      ['sort', 'quantity'],
      ['order', 'desc'],
    ],
    limit: 25,
    matches: (row) =>
      [zenskarDemoCustomerIds.acme, zenskarDemoCustomerIds.initech].includes(
        row.customer as typeof zenskarDemoCustomerIds.acme,
      ) &&
      row.quantity !== null &&
      row.quantity > 0,
    order: { key: (row) => row.quantity, direction: 'desc' },
    wire: {
      // Sorted ids: the same question always reaches the vendor spelled the same way.
      customer__in: [[zenskarDemoCustomerIds.acme, zenskarDemoCustomerIds.initech].sort().join(',')],
      quantity__gt: ['0'],
      sort_key: ['quantity'],
      sort_type: ['desc'],
      limit: ['25'],
    },
  },
  {
    name: 'search, quantity != 100, usage <= 50, sorted by usage',
    parameters: [
      ['search', 'generated'],
      ['quantity[neq]', '100'],
      ['usage[lte]', '50'],
      ['sort', 'usage'],
    ],
    limit: 7,
    matches: (row) =>
      searchText(row).includes('generated') &&
      row.quantity !== null &&
      row.quantity !== 100 &&
      row.quantity_used !== null &&
      row.quantity_used <= 50,
    order: { key: (row) => row.quantity_used, direction: 'asc' },
    wire: {
      search: ['generated'],
      quantity__neq: ['100'],
      quantity_used__lte: ['50'],
      sort_key: ['quantity_used'],
      sort_type: ['asc'],
      limit: ['7'],
    },
  },
  {
    name: 'date ranges (an offset instant is sent as UTC), sorted by expiry descending',
    parameters: [
      ['createdAt[gte]', '2024-02-15T09:30:00+01:00'],
      ['activeFrom[lte]', '2024-01-01T00:00:00Z'],
      ['expiresAt[gt]', '2025-01-01T00:00:00Z'],
      ['sort', 'expiresAt'],
      ['order', 'desc'],
    ],
    limit: 9,
    matches: (row) => {
      const created = instant(row.created_at);
      const activeFrom = instant(row.active_from);
      const expires = instant(row.expiry_at);
      return (
        created !== null &&
        created >= Date.parse('2024-02-15T08:30:00Z') &&
        activeFrom !== null &&
        activeFrom <= Date.parse('2024-01-01T00:00:00Z') &&
        expires !== null &&
        expires > Date.parse('2025-01-01T00:00:00Z')
      );
    },
    order: { key: (row) => instant(row.expiry_at), direction: 'desc' },
    wire: {
      created_at__gte: ['2024-02-15T08:30:00Z'],
      active_from__lte: ['2024-01-01T00:00:00Z'],
      expiry_at__gt: ['2025-01-01T00:00:00Z'],
      sort_key: ['expiry_at'],
      sort_type: ['desc'],
      limit: ['9'],
    },
  },
  {
    name: 'two contracts, three features, usage < 5000, created before March, sorted by created_at',
    parameters: [
      ['contractId', GLOBEX_CONTRACT],
      ['contractId', ACME_CONTRACT],
      ['featureId', zenskarDemoDefinitionIds.sso],
      ['featureId', zenskarDemoDefinitionIds.apiCalls],
      ['featureId', zenskarDemoDefinitionIds.aiCredits],
      ['usage[lt]', '5000'],
      ['createdAt[lt]', '2024-03-01T00:00:00Z'],
      ['sort', 'createdAt'],
    ],
    limit: 1,
    matches: (row) =>
      row.contract !== null &&
      [ACME_CONTRACT, GLOBEX_CONTRACT].includes(row.contract.id) &&
      [
        zenskarDemoDefinitionIds.sso,
        zenskarDemoDefinitionIds.apiCalls,
        zenskarDemoDefinitionIds.aiCredits,
      ].includes(row.entitlement as typeof zenskarDemoDefinitionIds.sso) &&
      row.quantity_used !== null &&
      row.quantity_used < 5000 &&
      Date.parse(row.created_at) < Date.parse('2024-03-01T00:00:00Z'),
    order: { key: (row) => instant(row.created_at), direction: 'asc' },
    wire: {
      contract_id__in: [[ACME_CONTRACT, GLOBEX_CONTRACT].sort().join(',')],
      entitlement__in: [
        [zenskarDemoDefinitionIds.sso, zenskarDemoDefinitionIds.apiCalls, zenskarDemoDefinitionIds.aiCredits]
          .sort()
          .join(','),
      ],
      quantity_used__lt: ['5000'],
      created_at__lt: ['2024-03-01T00:00:00Z'],
      sort_key: ['created_at'],
      sort_type: ['asc'],
      limit: ['1'],
    },
  },
  {
    name: 'one feature, quantity between 200 and 800, sorted by id descending',
    parameters: [
      ['quantity[gte]', '200'],
      ['quantity[lte]', '800'],
      ['sort', 'id'],
      ['order', 'desc'],
    ],
    limit: 30,
    matches: (row) => row.quantity !== null && row.quantity >= 200 && row.quantity <= 800,
    order: { key: (row) => row.id, direction: 'desc' },
    wire: {
      quantity__gte: ['200'],
      quantity__lte: ['800'],
      sort_key: ['id'],
      sort_type: ['desc'],
      limit: ['30'],
    },
  },
];

describe('GET /v1/balances: a crawl returns exactly the rows Zenskar would, each once', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const order = scenario.order ?? {
        key: (row: ZenskarStoredRow) => instant(row.created_at),
        direction: 'asc' as const,
      };
      const want = vendorOrder(
        rows().filter((row) => scenario.matches(row)),
        order.key,
        order.direction,
      );
      // A filter that matches (nearly) nothing would prove little about paging.
      expect(want.length).toBeGreaterThan(scenario.limit);

      const { balances, totals, pages } = await crawl(
        'multi',
        [['vendor', 'zenskar'], ...scenario.parameters],
        scenario.limit,
      );

      const ids = balances.map((balance) => balance.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(want.map((row) => row.id));
      expect(pages).toBe(Math.ceil(want.length / scenario.limit));
      expect(totals.every((total) => total === want.length)).toBe(true);
      // Without include=raw the vendor row stays out of the answer.
      expect(balances.every((balance) => !('raw' in balance))).toBe(true);

      const requests = stack.simulators.zenskar.kit.recorded;
      expect(requests).toHaveLength(pages);
      const vendorCursors = new Set<string>();
      requests.forEach((request, index) => {
        expect(request.method).toBe('GET');
        expect(request.path).toBe('/entitlements/customers_balances');
        expect(request.headers['x-api-key']).toBe(zenskarSandboxCredentials.apiKey);
        expect(request.headers['organisation']).toBe(zenskarSandboxCredentials.organisation);
        if (index === 0) expect(request.query).toEqual(scenario.wire);
        else {
          expect(request.query).toEqual({ ...scenario.wire, cursor: [expect.any(String)] });
          vendorCursors.add(request.query['cursor']?.[0] ?? '');
        }
      });
      // Every later page continued from a different vendor position.
      expect(vendorCursors.size).toBe(pages - 1);
    });
  }

  it('maps every row as Zenskar sent it: ids, figures, populated names, and raw on request', async () => {
    const customer = zenskarDemoCustomerIds.acme;
    const response = await stack.get(
      'solo',
      path([
        ['customerId', customer],
        ['populate', 'customer,contract'],
        ['populate', 'invoice'],
        ['include', 'raw'],
        ['limit', '100'],
      ]),
    );
    expect(response.status).toBe(200);
    const page = BalanceListSchema.parse(response.body);
    const stored = rows().filter((row) => row.customer === customer);
    const record = stack.simulators.zenskar.store.customers.get(customer);
    expect(page.data.map((balance) => balance.id).sort()).toEqual(stored.map((row) => row.id).sort());
    for (const balance of page.data) {
      const row = stored.find((candidate) => candidate.id === balance.id);
      expect(row).toBeDefined();
      if (!row) continue;
      expect(balance).toMatchObject({
        vendor: 'zenskar',
        customerId: customer,
        customer: { id: customer, name: record?.name, email: record?.email },
        featureId: row.entitlement,
        quantity: row.quantity,
        usage: row.quantity_used,
        contract: row.contract === null ? null : { id: row.contract.id, name: row.contract.name },
        invoice: row.invoice === null ? null : { id: row.invoice.id, name: row.invoice.name },
        // Not populated: the product is its id only.
        product: row.product === null ? null : { id: row.product.id, name: null },
      });
      expect(balance.raw).toMatchObject({ id: row.id, entitlement: row.entitlement });
    }
    // The solo tenant has one vendor, so `vendor` could be left out; populate went as one comma list.
    expect(stack.simulators.zenskar.kit.recorded[0]?.query).toEqual({
      customer: [customer],
      populate: ['customer,contract,invoice'],
      limit: ['100'],
    });
  });

  it('lets the page size change between pages and continues without a repeat or a gap', async () => {
    const base: Array<[string, string]> = [
      ['vendor', 'zenskar'],
      ['customerId', zenskarDemoCustomerIds.initech],
      ['sort', 'quantity'],
    ];
    const first = BalanceListSchema.parse((await stack.get('multi', path([...base, ['limit', '5']]))).body);
    expect(first.nextCursor).not.toBeNull();
    const second = BalanceListSchema.parse(
      (await stack.get('multi', path([...base, ['limit', '20'], ['cursor', first.nextCursor ?? '']]))).body,
    );
    const want = vendorOrder(
      rows().filter((row) => row.customer === zenskarDemoCustomerIds.initech),
      (row) => row.quantity,
      'asc',
    );
    expect([...first.data, ...second.data].map((balance) => balance.id)).toEqual(
      want.slice(0, 25).map((row) => row.id),
    );
  });

  it('gives the same page again for the same cursor and query (a GET is repeatable)', async () => {
    const query: Array<[string, string]> = [
      ['vendor', 'zenskar'],
      ['usage[gt]', '0'],
      ['limit', '10'],
    ];
    const first = BalanceListSchema.parse((await stack.get('multi', path(query))).body);
    const again = [...query, ['cursor', first.nextCursor ?? ''] as [string, string]];
    const one = BalanceListSchema.parse((await stack.get('multi', path(again))).body);
    const two = BalanceListSchema.parse((await stack.get('multi', path(again))).body);
    expect(two.data.map((balance) => balance.id)).toEqual(one.data.map((balance) => balance.id));
    expect(one.data.map((balance) => balance.id)).not.toEqual(first.data.map((balance) => balance.id));
  });
});

describe('GET /v1/balances: cursors', () => {
  const query: Array<[string, string]> = [
    ['vendor', 'zenskar'],
    ['quantity[gt]', '0'],
    ['sort', 'quantity'],
    ['limit', '10'],
  ];

  async function firstCursor(tenant = 'multi', parameters = query): Promise<string> {
    const page = BalanceListSchema.parse((await stack.get(tenant, path(parameters))).body);
    if (page.nextCursor === null) throw new Error('expected a second page');
    return page.nextCursor;
  }

  async function expectInvalidCursor(tenant: string, parameters: Array<[string, string]>, vendorCalls = 0) {
    stack.resetRecordings();
    const response = await stack.get(tenant, path(parameters));
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    const problem = ProblemSchema.parse(response.body);
    expect(problem.code).toBe('invalid_cursor');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    // A bad cursor is refused before the vendor is asked anything.
    expect(stack.simulators.zenskar.kit.recorded).toHaveLength(vendorCalls);
    return problem;
  }

  it('refuses tampered cursors: an altered position, signature, or shape', async () => {
    const cursor = await firstCursor();
    const [body = '', signature = ''] = cursor.split('.');
    const flip = (text: string, index: number) =>
      text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);
    // A different vendor position, re-encoded with the original signature.
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...payload, vc: 'another-vendor-cursor' })).toString(
      'base64url',
    );
    for (const tampered of [
      `${forgedBody}.${signature}`,
      `${flip(body, 5)}.${signature}`,
      `${body}.${flip(signature, 3)}`,
      body,
      `${cursor}.extra`,
      'not a cursor at all',
    ]) {
      await expectInvalidCursor('multi', [...query, ['cursor', tampered]]);
    }
  });

  it("refuses another tenant's cursor, and one signed with another gateway's secret", async () => {
    const solo: Array<[string, string]> = query.filter(([name]) => name !== 'vendor');
    const soloCursor = await firstCursor('solo', solo);
    // Same vendor, same filters, valid signature: still bound to the other tenant.
    await expectInvalidCursor('multi', [...query, ['cursor', soloCursor]]);

    // Someone who knows the format and the binding but not CURSOR_SECRET cannot mint a cursor.
    const binding = {
      tenant: stack.tenantId('multi'),
      vendor: 'zenskar',
      scope: '*',
      query: balanceQueryBinding(
        balanceQueryFromParameters(ListBalancesQuerySchema.parse(Object.fromEntries(query))),
      ),
    };
    const forged = await new CursorCodec('a-different-cursor-secret-0123456789abcdef').encode(binding, {
      vendorCursor: 'anything',
    });
    await expectInvalidCursor('multi', [...query, ['cursor', forged]]);
  });

  it('refuses a cursor replayed under other filters, another sort, or from another listing', async () => {
    const cursor = await firstCursor();
    const swap = (name: string, value: string) =>
      query.map(([key, current]) => [key, key === name ? value : current] as [string, string]);
    await expectInvalidCursor('multi', [...swap('quantity[gt]', '1'), ['cursor', cursor]]);
    await expectInvalidCursor('multi', [...swap('sort', 'usage'), ['cursor', cursor]]);
    await expectInvalidCursor('multi', [...query, ['order', 'desc'], ['cursor', cursor]]);
    await expectInvalidCursor('multi', [...query, ['populate', 'customer'], ['cursor', cursor]]);

    // An entitlement-list cursor is no balances cursor, and the other way round.
    const list = await stack.get(
      'multi',
      `/v1/customers/${zenskarDemoCustomerIds.initech}/entitlements?vendor=zenskar&limit=2`,
    );
    const listCursor = EntitlementListSchema.parse(list.body).nextCursor;
    expect(listCursor).not.toBeNull();
    await expectInvalidCursor('multi', [...query, ['cursor', listCursor ?? '']]);
    const back = await stack.get(
      'multi',
      `/v1/customers/${zenskarDemoCustomerIds.initech}/entitlements?vendor=zenskar&limit=2&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(back.status).toBe(400);
    expect(ProblemSchema.parse(back.body).code).toBe('invalid_cursor');
  });

  it('accepts the same question spelled differently: ids in another order, repeated, instants with offsets', async () => {
    const spelled: Array<[string, string]> = [
      ['vendor', 'zenskar'],
      ['customerId', zenskarDemoCustomerIds.initech],
      ['customerId', zenskarDemoCustomerIds.acme],
      ['createdAt[gte]', '2024-01-01T01:00:00+01:00'],
      ['limit', '10'],
    ];
    const respelled: Array<[string, string]> = [
      ['vendor', 'zenskar'],
      ['customerId', zenskarDemoCustomerIds.acme],
      ['customerId', zenskarDemoCustomerIds.initech],
      ['customerId', zenskarDemoCustomerIds.acme],
      ['createdAt[gte]', '2024-01-01T00:00:00Z'],
      ['limit', '10'],
    ];
    const cursor = await firstCursor('multi', spelled);
    const response = await stack.get('multi', path([...respelled, ['cursor', cursor]]));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    // The vendor saw one spelling throughout, so its own cursor stayed valid.
    const [first, second] = stack.simulators.zenskar.kit.recorded;
    const { cursor: _cursor, ...rest } = second?.query ?? {};
    expect(rest).toEqual(first?.query);
  });

  it('answers invalid_cursor when Zenskar has forgotten the position a valid cursor holds', async () => {
    const cursor = await firstCursor();
    // Other listings make the simulator issue enough cursors to drop the old one, as a vendor that
    // expires its server-side cursors would.
    for (let index = 0; index <= VENDOR_CURSOR_CAPACITY; index += 1) {
      await firstCursor('multi', [
        ['vendor', 'zenskar'],
        ['usage[gte]', String(index)],
        ['limit', '2'],
      ]);
    }
    const problem = await expectInvalidCursor('multi', [...query, ['cursor', cursor]], 1);
    expect(problem.vendor).toBe('zenskar');
    expect(problem.detail).toMatch(/start over/);
  });
});

describe('GET /v1/balances: vendors, filters and validation', () => {
  async function expectProblem(
    tenant: string,
    parameters: Array<[string, string]>,
    status: number,
    code: string,
  ) {
    stack.resetRecordings();
    const response = await stack.get(tenant, path(parameters));
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    const problem = ProblemSchema.parse(response.body);
    expect(problem.code).toBe(code);
    // Refused before any vendor call.
    for (const simulator of Object.values(stack.simulators)) expect(simulator.kit.recorded).toHaveLength(0);
    return problem;
  }

  it('answers 501 not_supported_by_vendor for vendors without a cross-customer listing', async () => {
    for (const vendor of ['paygentic', 'chargebee']) {
      const problem = await expectProblem(
        'multi',
        [
          ['vendor', vendor],
          ['quantity[gt]', '0'],
        ],
        501,
        'not_supported_by_vendor',
      );
      expect(problem.vendor).toBe(vendor);
    }
  });

  it('names the filter Zenskar cannot express (400 unsupported_filter)', async () => {
    const remaining = await expectProblem(
      'multi',
      [
        ['vendor', 'zenskar'],
        ['remaining[lte]', '5'],
      ],
      400,
      'unsupported_filter',
    );
    expect(remaining.errors).toEqual([{ path: 'query.remaining[lte]', message: expect.any(String) }]);
    expect(remaining.vendor).toBe('zenskar');
    const twice = await expectProblem(
      'multi',
      [
        ['vendor', 'zenskar'],
        ['quantity[gte]', '1'],
        ['quantity[gte]', '5'],
      ],
      400,
      'unsupported_filter',
    );
    expect(twice.errors).toEqual([{ path: 'query.quantity[gte]', message: expect.any(String) }]);
  });

  it('refuses unknown parameters and operators (400 validation_failed naming them)', async () => {
    for (const [name, value] of [
      ['status', 'active'],
      ['quantity[between]', '1'],
      ['quantity', '5'],
      ['customer', zenskarDemoCustomerIds.acme],
      ['sort_key', 'quantity'],
    ] as const) {
      const problem = await expectProblem(
        'multi',
        [
          ['vendor', 'zenskar'],
          [name, value],
        ],
        400,
        'validation_failed',
      );
      expect(problem.errors).toContainEqual({ path: `query.${name}`, message: 'Unknown parameter.' });
    }
  });

  it('refuses malformed values before calling the vendor', async () => {
    const cases: Array<[Array<[string, string]>, string]> = [
      [[['quantity[gt]', 'ten']], 'query.quantity[gt]'],
      [[['expiresAt[lt]', '2026-01-01']], 'query.expiresAt[lt]'],
      [[['limit', '0']], 'query.limit'],
      [[['limit', '101']], 'query.limit'],
      [[['sort', 'name']], 'query.sort'],
      [[['order', 'desc']], 'query.order'],
      [[['populate', 'customer,everything']], 'query.populate'],
      [[['include', 'everything']], 'query.include'],
      [[['customerId', 'acme']], 'query.customerId'],
    ];
    for (const [parameters, field] of cases) {
      const problem = await expectProblem(
        'multi',
        [['vendor', 'zenskar'], ...parameters],
        400,
        'validation_failed',
      );
      expect(problem.errors?.map((error) => error.path.replace(/\.\d+$/, ''))).toContain(field);
    }
  });

  it('needs `vendor` when the tenant has several, and a gateway key', async () => {
    await expectProblem('multi', [['quantity[gt]', '0']], 400, 'vendor_required');
    const anonymous = await stack.app.request('/v1/balances?vendor=zenskar');
    expect(anonymous.status).toBe(401);
    expect(stack.simulators.zenskar.kit.recorded).toHaveLength(0);
  });

  it('is documented in the OpenAPI document with every filter and its error responses', async () => {
    const response = await stack.app.request('/openapi.json');
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown; parameters?: Array<{ name: string }>; responses: Record<string, unknown> }
        >
      >;
    };
    const operation = document.paths['/v1/balances']?.['get'];
    expect(operation?.security).toEqual([{ bearerAuth: [] }]);
    const names = operation?.parameters?.map((parameter) => parameter.name) ?? [];
    expect(names).toEqual(
      expect.arrayContaining([
        'customerId',
        'featureId',
        'contractId',
        'quantity[gte]',
        'usage[lt]',
        'createdAt[gte]',
        'activeFrom[lt]',
        'expiresAt[lt]',
        'remaining[gt]',
        'search',
        'sort',
        'order',
        'populate',
        'limit',
        'cursor',
        'vendor',
        'include',
      ]),
    );
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '501', '502', '503', '504']),
    );
  });
});

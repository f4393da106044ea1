import { describe, expect, it } from 'vitest';
import {
  generateZenskarCustomer,
  zenskarDemoCustomerIds,
  zenskarDemoCustomers,
  zenskarFixtureUuid,
  zenskarSandboxCredentials,
} from './fixtures';
import { createZenskarSimulator } from './simulator';

// The simulator is checked against the vendor docs (Zenskar's public API reference for its entitlement endpoints), not the adapter.

const auth = {
  'x-api-key': zenskarSandboxCredentials.apiKey,
  organisation: zenskarSandboxCredentials.organisation,
};

interface ListBody {
  results: Array<Record<string, unknown>>;
  next: string | null;
  previous: string | null;
  total_count?: number;
  total?: number;
}

async function get(
  simulator: ReturnType<typeof createZenskarSimulator>,
  path: string,
  headers: Record<string, string> = auth,
) {
  const response = await simulator.app.request(path, { headers });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function list(simulator: ReturnType<typeof createZenskarSimulator>, path: string): Promise<ListBody> {
  const { status, body } = await get(simulator, path);
  expect(status).toBe(200);
  return body as ListBody;
}

const customerPath = (id: string, query = '') => `/entitlements/customer/${id}${query}`;

describe('zenskar simulator: auth', () => {
  it('answers a missing or wrong organisation with the authorizer 403 body', async () => {
    const simulator = createZenskarSimulator();
    const explicitDeny = { Message: 'User is not authorized to access this resource with an explicit deny' };
    expect(
      await get(simulator, customerPath(zenskarDemoCustomerIds.acme), { 'x-api-key': auth['x-api-key'] }),
    ).toEqual({
      status: 403,
      body: explicitDeny,
    });
    expect(
      await get(simulator, '/entitlements/customers_balances', { ...auth, organisation: 'another-org' }),
    ).toEqual({ status: 403, body: explicitDeny });
  });

  it('answers a missing or wrong API key with 401 {detail}', async () => {
    const simulator = createZenskarSimulator();
    const missing = await get(simulator, customerPath(zenskarDemoCustomerIds.acme), {
      organisation: auth.organisation,
    });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: expect.any(String) });
    expect(
      (await get(simulator, customerPath(zenskarDemoCustomerIds.acme), { ...auth, 'x-api-key': 'nope' }))
        .status,
    ).toBe(401);
  });

  it('records every request through the shared kit', async () => {
    const simulator = createZenskarSimulator();
    await get(simulator, customerPath(zenskarDemoCustomerIds.acme, '?limit=3'));
    expect(simulator.kit.recorded[0]).toMatchObject({
      path: customerPath(zenskarDemoCustomerIds.acme),
      query: { limit: ['3'] },
      headers: { 'x-api-key': auth['x-api-key'], organisation: auth.organisation },
    });
  });
});

describe('zenskar simulator: customer entitlements', () => {
  it('returns seed-002 rows with the documented envelope and default page size 10', async () => {
    const simulator = createZenskarSimulator();
    const body = await list(simulator, customerPath(zenskarDemoCustomerIds.initech));
    expect(body.results).toHaveLength(10);
    expect(body.total_count).toBe(432);
    expect(body.previous).toBeNull();
    expect(typeof body.next).toBe('string');
    expect(body.results[0]).toEqual({
      id: expect.any(String),
      entitlement: expect.any(String),
      name: expect.any(String),
      units: expect.toBeOneOf([null, expect.any(String)]),
      customer: zenskarDemoCustomerIds.initech,
      type: expect.toBeOneOf(['Feature', 'Quantity', 'Credits']),
      source_type: expect.toBeOneOf(['Grant', 'Billable', 'Rollover', 'Adjustment']),
      source_id: expect.any(String),
      contract: null,
      product: null,
      invoice: null,
      active_from: expect.any(String),
      expiry_at: expect.any(String),
      quantity: expect.toBeOneOf([null, expect.any(Number)]),
      quantity_used: expect.toBeOneOf([null, expect.any(Number)]),
      quantity_remaining: expect.toBeOneOf([null, expect.any(Number)]),
      created_at: expect.any(String),
      contract_id: null,
      event: expect.any(String),
      invoice_id: null,
      status: expect.toBeOneOf(['draft', 'active', 'expired', 'voided']),
    });
  });

  it('pages with opaque server-side cursors through every row exactly once', async () => {
    const simulator = createZenskarSimulator();
    const ids: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const body: ListBody = await list(
        simulator,
        customerPath(
          zenskarDemoCustomerIds.initech,
          `?limit=100${next ? `&cursor=${encodeURIComponent(next)}` : ''}`,
        ),
      );
      ids.push(...body.results.map((row) => String(row['id'])));
      // Safe in a query string as it is: the adapter passes it on without encoding.
      if (body.next !== null) expect(encodeURIComponent(body.next)).toBe(body.next);
      next = body.next;
      pages += 1;
    } while (next !== null);
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(432);
  });

  it('hands out a new cursor each time, so a cursor is not an offset or row id a client could compute', async () => {
    const simulator = createZenskarSimulator();
    const path = customerPath(zenskarDemoCustomerIds.initech, '?limit=100');
    const first = await list(simulator, path);
    const again = await list(simulator, path);
    // Same listing, same position, same last row: a cursor derived from any of them would repeat.
    expect(again.results.map((row) => row['id'])).toEqual(first.results.map((row) => row['id']));
    expect(first.next).not.toBeNull();
    expect(again.next).not.toBeNull();
    expect(again.next).not.toBe(first.next);
    const lastId = String(first.results.at(-1)?.['id']);
    for (const cursor of [first.next, again.next]) {
      expect(cursor).not.toContain(lastId);
      expect(cursor).not.toBe('100');
    }
    // Both remain valid and continue from the same row.
    const viaFirst = await list(
      simulator,
      customerPath(
        zenskarDemoCustomerIds.initech,
        `?limit=100&cursor=${encodeURIComponent(String(first.next))}`,
      ),
    );
    const viaAgain = await list(
      simulator,
      customerPath(
        zenskarDemoCustomerIds.initech,
        `?limit=100&cursor=${encodeURIComponent(String(again.next))}`,
      ),
    );
    expect(viaAgain.results.map((row) => row['id'])).toEqual(viaFirst.results.map((row) => row['id']));
    expect(viaFirst.results.map((row) => row['id'])).not.toContain(lastId);
    // What a client might compute instead is refused, not served as a page.
    for (const guess of ['100', lastId, btoa('100'), btoa(lastId)]) {
      const refused = await get(
        simulator,
        customerPath(zenskarDemoCustomerIds.initech, `?limit=100&cursor=${encodeURIComponent(guess)}`),
      );
      expect(refused.status, guess).toBe(422);
    }
  });

  it('goes back with previous to exactly the page before', async () => {
    const simulator = createZenskarSimulator();
    const first = await list(simulator, customerPath(zenskarDemoCustomerIds.initech, '?limit=7'));
    const second = await list(
      simulator,
      customerPath(zenskarDemoCustomerIds.initech, `?limit=7&cursor=${first.next}`),
    );
    expect(second.previous).not.toBeNull();
    const back = await list(
      simulator,
      customerPath(zenskarDemoCustomerIds.initech, `?limit=7&cursor=${second.previous}`),
    );
    expect(back.results.map((row) => row['id'])).toEqual(first.results.map((row) => row['id']));
    expect(back.previous).toBeNull();
  });

  it('continues after the last row seen when rows are added between pages (keyset)', async () => {
    const simulator = createZenskarSimulator();
    const first = await list(simulator, customerPath(zenskarDemoCustomerIds.initech, '?limit=50'));
    const customer = simulator.store.customers.get(zenskarDemoCustomerIds.initech);
    const template = customer?.rows[0];
    if (!customer || !template) throw new Error('fixture missing');
    // A row that sorts before everything already seen.
    customer.rows.push({ ...template, id: zenskarFixtureUuid('late'), created_at: '2020-01-01T00:00:00Z' });
    const second = await list(
      simulator,
      customerPath(zenskarDemoCustomerIds.initech, `?limit=50&cursor=${first.next}`),
    );
    const seen = new Set(first.results.map((row) => row['id']));
    expect(second.results.some((row) => seen.has(row['id']))).toBe(false);
    expect(second.results).toHaveLength(50);
  });

  it('rejects limits outside 1-100 and non-integers with a FastAPI 422', async () => {
    const simulator = createZenskarSimulator();
    for (const [limit, type] of [
      ['101', 'less_than_equal'],
      ['0', 'greater_than_equal'],
      ['ten', 'int_parsing'],
    ]) {
      const { status, body } = await get(
        simulator,
        customerPath(zenskarDemoCustomerIds.acme, `?limit=${limit}`),
      );
      expect(status).toBe(422);
      expect(body).toEqual({
        detail: [expect.objectContaining({ type, loc: ['query', 'limit'], msg: expect.any(String) })],
      });
    }
    expect(
      (await list(simulator, customerPath(zenskarDemoCustomerIds.initech, '?limit=100'))).results,
    ).toHaveLength(100);
  });

  it('rejects a non-UUID customer id with 422 and answers 404 for an unknown one', async () => {
    const simulator = createZenskarSimulator();
    const bad = await get(simulator, customerPath('acme'));
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      detail: [expect.objectContaining({ type: 'uuid_parsing', loc: ['path', 'customer_id'] })],
    });
    expect(await get(simulator, customerPath('99999999-9999-4999-8999-999999999999'))).toEqual({
      status: 404,
      body: { detail: 'Customer not found' },
    });
  });

  it('answers 200 with no rows for a known customer without entitlements', async () => {
    const body = await list(createZenskarSimulator(), customerPath(zenskarDemoCustomerIds.umbrella));
    expect(body).toEqual({ results: [], next: null, previous: null, total_count: 0 });
  });

  it('rejects unknown cursors and cursors from another listing', async () => {
    const simulator = createZenskarSimulator();
    const unknown = await get(
      simulator,
      customerPath(zenskarDemoCustomerIds.initech, '?cursor=V2VsbCBhcmV1IGN1cmlvdxM='),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ detail: [expect.objectContaining({ loc: ['query', 'cursor'] })] });
    const first = await list(simulator, customerPath(zenskarDemoCustomerIds.initech, '?limit=5'));
    const foreign = await get(
      simulator,
      customerPath(zenskarDemoCustomerIds.acme, `?limit=5&cursor=${first.next}`),
    );
    expect(foreign.status).toBe(422);
    const balances = await get(simulator, `/entitlements/customers_balances?cursor=${first.next}`);
    expect(balances.status).toBe(422);
  });

  it('filters by status, sorts, searches and populates as documented', async () => {
    const simulator = createZenskarSimulator();
    const drafts = await list(simulator, customerPath(zenskarDemoCustomerIds.globex, '?status=draft'));
    expect(drafts.results.map((row) => row['status'])).toEqual(['draft', 'draft']);
    const sorted = await list(
      simulator,
      customerPath(zenskarDemoCustomerIds.acme, '?sort_key=quantity&sort_type=desc'),
    );
    expect(sorted.results.map((row) => row['quantity'])).toEqual([
      null,
      null,
      10_000,
      1_000,
      500,
      200,
      100,
      25,
      5,
    ]);
    const searched = await list(simulator, customerPath(zenskarDemoCustomerIds.acme, '?search=PREPAID'));
    expect(new Set(searched.results.map((row) => row['name']))).toEqual(new Set(['AI credits']));
    const populated = await list(
      simulator,
      customerPath(zenskarDemoCustomerIds.acme, '?populate=customer,invoice&limit=2'),
    );
    expect(populated.results[0]?.['customer']).toEqual({
      id: zenskarDemoCustomerIds.acme,
      name: 'Acme Corp',
      email: 'billing@acme.example',
    });
    const bare = await list(simulator, customerPath(zenskarDemoCustomerIds.acme, '?limit=2'));
    expect(bare.results[0]?.['customer']).toBe(zenskarDemoCustomerIds.acme);
    expect(bare.results[0]?.['contract']).toEqual({ id: expect.any(String), name: null, email: null });
  });
});

describe('zenskar simulator: balances', () => {
  it('defaults to 50 rows a page and reports `total`', async () => {
    const body = await list(createZenskarSimulator(), '/entitlements/customers_balances');
    expect(body.results).toHaveLength(50);
    expect(body.total).toBe(450);
    expect(body.results[0]).not.toHaveProperty('status');
    expect(body.results[0]).not.toHaveProperty('source_type');
  });

  it('rejects bad parameters with FastAPI 422 details naming each one', async () => {
    const simulator = createZenskarSimulator();
    const { status, body } = await get(
      simulator,
      '/entitlements/customers_balances?customer=acme&quantity__gt=lots&expiry_at__lt=soon&sort_key=name&sort_type=up&populate=customer,plan&limit=500',
    );
    expect(status).toBe(422);
    const locs = (body as { detail: Array<{ loc: string[] }> }).detail.map((issue) => issue.loc.join('.'));
    expect(locs.sort()).toEqual(
      [
        'query.customer',
        'query.quantity__gt',
        'query.expiry_at__lt',
        'query.sort_key',
        'query.sort_type',
        'query.populate',
        'query.limit',
      ].sort(),
    );
  });

  it('breaks sort ties by row id in the sort direction, so pages are stable', async () => {
    const simulator = createZenskarSimulator();
    const customers = `customer__in=${zenskarDemoCustomerIds.acme},${zenskarDemoCustomerIds.globex}`;
    for (const direction of ['asc', 'desc'] as const) {
      const body = await list(
        simulator,
        `/entitlements/customers_balances?${customers}&sort_key=created_at&sort_type=${direction}&limit=100`,
      );
      const keys = body.results.map(
        (row) => [Date.parse(String(row['created_at'])), String(row['id'])] as const,
      );
      const sign = direction === 'asc' ? 1 : -1;
      const sorted = [...keys].sort(
        (a, b) => sign * (a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)),
      );
      // Acme and Globex rows share created_at values, so the id tie-break is exercised.
      expect(new Set(keys.map((key) => key[0])).size).toBeLessThan(keys.length);
      expect(keys).toEqual(sorted);
    }
  });

  it('applies number and date range operators and never matches a null', async () => {
    const simulator = createZenskarSimulator();
    const acme = `customer=${zenskarDemoCustomerIds.acme}`;
    const used = await list(simulator, `/entitlements/customers_balances?${acme}&quantity_used__neq=0`);
    expect(used.results.map((row) => row['quantity_used']).sort()).toEqual([20, 2_500, 400, 50].sort());
    const expiring = await list(
      simulator,
      `/entitlements/customers_balances?${acme}&expiry_at__lt=2026-01-01T00:00:00Z`,
    );
    expect(expiring.results.map((row) => row['expiry_at'])).toEqual(['2025-06-30T00:00:00Z']);
  });
});

describe('zenskar fixtures', () => {
  it('generates the same customer for the same arguments', () => {
    const id = '12345678-1234-4123-8123-123456789012';
    const one = generateZenskarCustomer(id, 4, { rowsPerFeature: 3 });
    expect(generateZenskarCustomer(id, 4, { rowsPerFeature: 3 })).toEqual(one);
    expect(one.customer.rows).toHaveLength(12);
    expect(one.definitions).toHaveLength(4);
    expect(new Set(one.customer.rows.map((row) => row.id)).size).toBe(12);
    for (const row of one.customer.rows) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('seeds demo customers whose rows cover every row status and source type', () => {
    const rows = zenskarDemoCustomers.flatMap((customer) => customer.rows);
    expect(new Set(rows.map((row) => row.status))).toEqual(
      new Set(['active', 'draft', 'expired', 'voided', null]),
    );
    expect(new Set(rows.map((row) => row.source_type))).toEqual(
      new Set(['Grant', 'Billable', 'Rollover', 'Adjustment']),
    );
  });

  it('lets tests change the store without touching the demo data', async () => {
    const simulator = createZenskarSimulator();
    simulator.store.customers.get(zenskarDemoCustomerIds.acme)?.rows.splice(0);
    expect((await list(simulator, customerPath(zenskarDemoCustomerIds.acme))).results).toEqual([]);
    expect(
      (await list(createZenskarSimulator(), customerPath(zenskarDemoCustomerIds.acme))).results,
    ).toHaveLength(9);
    simulator.store.deleteCustomer(zenskarDemoCustomerIds.acme);
    expect((await get(simulator, customerPath(zenskarDemoCustomerIds.acme))).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byFeature,
  type FakeVendor,
  gatewayCall,
  startFakeVendor,
  startProbeGateway,
} from '../../../support/doc-fake-stack';

/**
 * Zenskar as its API reference documents it: `GET /entitlements/customer/{customer_id}`
 * with `x-api-key` + `organisation`, `{results, next, previous, total_count}`, opaque cursors (the
 * docs' own example `V2VsbCBhcmV1IGN1cmlvdxM=` has `=`; ours also carry `+` and `/`), the
 * authorizer's 403 `{"Message": …}`, FastAPI 401/404 `{detail: "…"}` and 422 `{detail: [{loc, msg, type}]}`.
 * The fake serves at most 7 rows a page whatever `limit` says (the docs give no maximum), so a
 * customer takes several pages.
 */

const API_KEY = 'zk_probe_key';
const ORGANISATION = '9b2f7c1e-1111-4222-8333-444455556666';
const CUSTOMER = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const EMPTY_CUSTOMER = '3c90c3cc-0d44-4b50-8888-000000000000';
const PAGE_CAP = 7;
/** Opaque cursors with every base64 special character, and the docs' example. */
const CURSORS = ['V2VsbCBhcmV1IGN1cmlvdxM=', 'a+b/c==', 'x/y+z=', 'GmBsbCBhcmV1IGN1cmlvdxM='];

type LastPageMarker = 'absent' | 'null' | 'empty';

const uuid = (n: number) => `e0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * 22 rows: 20 Feature rows (one per definition), a Quantity definition with two grants (one consumed
 * in part, one expired), all in the seed's field shapes, `customer` once as a DetailsObject (the
 * schema's `anyOf`), nulls where the schema allows them.
 */
function seedRows() {
  const rows: Array<Record<string, unknown>> = [];
  for (let index = 1; index <= 20; index += 1) {
    rows.push({
      id: `a0000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      entitlement: uuid(index),
      name: `Feature ${index}`,
      units: null,
      customer: index === 3 ? { id: CUSTOMER, name: 'Acme', email: 'ops@acme.test' } : CUSTOMER,
      type: 'Feature',
      source_type: 'Grant',
      source_id: null,
      contract: null,
      product: null,
      invoice: null,
      active_from: '2024-01-01T00:00:00Z',
      expiry_at: null,
      quantity: null,
      quantity_used: null,
      quantity_remaining: null,
      created_at: '2024-01-01T00:00:00Z',
      contract_id: null,
      event: 'Manual',
      invoice_id: null,
      status: 'active',
    });
  }
  const quantity = (id: string, fields: Record<string, unknown>) => ({
    id,
    entitlement: uuid(99),
    name: 'API calls',
    units: 'calls',
    customer: CUSTOMER,
    type: 'Quantity',
    source_type: 'Grant',
    source_id: null,
    contract: { id: null, name: null, email: null },
    product: null,
    invoice: null,
    created_at: '2024-01-01T00:00:00Z',
    status: 'active',
    ...fields,
  });
  rows.push(
    quantity('b0000000-0000-4000-8000-000000000001', {
      active_from: '2024-01-01T00:00:00Z',
      expiry_at: '2099-01-01T00:00:00Z',
      quantity: 1000.5,
      quantity_used: 400.25,
      quantity_remaining: 600.25,
    }),
    quantity('b0000000-0000-4000-8000-000000000002', {
      active_from: '2023-01-01T00:00:00Z',
      expiry_at: '2023-12-31T00:00:00Z',
      quantity: 500,
      quantity_used: 0,
      quantity_remaining: 500,
    }),
  );
  return rows;
}

async function startZenskarFake(lastPage: LastPageMarker): Promise<FakeVendor> {
  const rows = seedRows();
  return startFakeVendor((app) => {
    app.use('*', async (c, next) => {
      if (c.req.header('organisation') !== ORGANISATION) {
        return c.json(
          { Message: 'User is not authorized to access this resource with an explicit deny' },
          403,
        );
      }
      if (c.req.header('x-api-key') !== API_KEY) return c.json({ detail: 'Invalid API key' }, 401);
      await next();
    });
    app.get('/entitlements/customer/:customerId', (c) => {
      const customerId = c.req.param('customerId');
      if (!/^[0-9a-f-]{36}$/i.test(customerId)) {
        return c.json(
          {
            detail: [
              { loc: ['path', 'customer_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' },
            ],
          },
          422,
        );
      }
      if (customerId !== CUSTOMER && customerId !== EMPTY_CUSTOMER) {
        return c.json({ detail: 'Customer not found' }, 404);
      }
      const source = customerId === CUSTOMER ? rows : [];
      const cursor = c.req.query('cursor');
      const pageIndex = cursor === undefined ? 0 : CURSORS.indexOf(cursor) + 1;
      if (pageIndex < 0 || (cursor !== undefined && pageIndex === 0)) {
        return c.json(
          { detail: [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }] },
          422,
        );
      }
      const size = Math.min(PAGE_CAP, Number(c.req.query('limit') ?? '10'));
      const results = source.slice(pageIndex * size, (pageIndex + 1) * size);
      const more = (pageIndex + 1) * size < source.length;
      const body: Record<string, unknown> = {
        results,
        previous: pageIndex === 0 ? null : (CURSORS[pageIndex - 1] ?? null),
        total_count: null,
      };
      if (more) body['next'] = CURSORS[pageIndex];
      else if (lastPage === 'null') body['next'] = null;
      else if (lastPage === 'empty') body['next'] = '';
      return c.json(body);
    });
  });
}

function zenskarEnv(vendor: FakeVendor, overrides: Record<string, string> = {}) {
  return {
    ZENSKAR_API_KEY: API_KEY,
    ZENSKAR_ORGANISATION: ORGANISATION,
    ZENSKAR_BASE_URL: vendor.url,
    ...overrides,
  };
}

describe.each<LastPageMarker>(['absent', 'null', 'empty'])(
  'review probe: Zenskar doc fake, last page `next` %s',
  (lastPage) => {
    let vendor: FakeVendor;
    let gateway: Awaited<ReturnType<typeof startProbeGateway>>;

    beforeAll(async () => {
      vendor = await startZenskarFake(lastPage);
      gateway = await startProbeGateway(zenskarEnv(vendor));
    });
    afterAll(async () => {
      await gateway?.close();
      await vendor?.close();
    });

    it('crawls every vendor page, passing `+/=` cursors back verbatim, and maps the rows', async () => {
      const result = await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements?limit=100`);
      expect(result.status).toBe(200);
      expect(result.body['totalCount']).toBe(21);
      const pages = vendor.received.filter(
        (request) => request.path === `/entitlements/customer/${CUSTOMER}`,
      );
      // 22 rows at 7 a page: 4 pages, the cursors exactly as issued (a `+` sent unencoded would arrive as a space).
      expect(pages.map((request) => request.query.find(([name]) => name === 'cursor')?.[1] ?? null)).toEqual([
        null,
        ...CURSORS.slice(0, 3),
      ]);
      for (const request of pages) {
        expect(request.headers['x-api-key']).toBe(API_KEY);
        expect(request.headers['organisation']).toBe(ORGANISATION);
      }
      const calls = byFeature(result.body).get(uuid(99));
      // One active grant inside its window; the expired one does not count (Zenskar has no access flag: access is computed from the rows).
      expect(calls).toMatchObject({
        type: 'metered',
        hasAccess: true,
        limit: 1000.5,
        usage: 400.25,
        remaining: 600.25,
      });
      expect(calls?.['grants']).toHaveLength(2);
      expect(byFeature(result.body).get(uuid(3))).toMatchObject({ type: 'boolean', hasAccess: true });
    });

    it('an existing customer with no rows is an empty list, not a 404', async () => {
      const result = await gatewayCall(gateway.app, `/v1/customers/${EMPTY_CUSTOMER}/entitlements`);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ object: 'list', data: [], nextCursor: null, totalCount: 0 });
    });
  },
);

describe('review probe: Zenskar doc fake, errors', () => {
  let vendor: FakeVendor;

  beforeAll(async () => {
    vendor = await startZenskarFake('absent');
  });
  afterAll(async () => {
    await vendor?.close();
  });

  it('404 {detail} → 404 customer_not_found; a non-UUID never reaches the vendor', async () => {
    const gateway = await startProbeGateway(zenskarEnv(vendor));
    try {
      const unknown = await gatewayCall(
        gateway.app,
        '/v1/customers/3c90c3cc-0d44-4b50-8888-8dd2573605ff/entitlements/anything',
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'customer_not_found', vendor: 'zenskar' });
      const before = vendor.received.length;
      const malformed = await gatewayCall(gateway.app, '/v1/customers/not-a-uuid/entitlements');
      expect(malformed.status).toBe(404);
      expect(vendor.received.length).toBe(before);
    } finally {
      await gateway.close();
    }
  });

  it('403 {"Message"} (wrong organisation) and 401 {detail} (wrong key) → 502 vendor_auth_failed', async () => {
    const variants: Array<Record<string, string>> = [
      { ZENSKAR_ORGANISATION: '00000000-0000-4000-8000-000000000000' },
      { ZENSKAR_API_KEY: 'zk_wrong' },
    ];
    for (const overrides of variants) {
      const gateway = await startProbeGateway(zenskarEnv(vendor, overrides));
      try {
        const result = await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements`);
        expect(result.status).toBe(502);
        expect(result.body).toMatchObject({ code: 'vendor_auth_failed', vendor: 'zenskar' });
        expect(result.headers.get('content-type')).toBe('application/problem+json');
      } finally {
        await gateway.close();
      }
    }
  });
});

/**
 * `GET /entitlements/customers_balances` as Zenskar's API reference shows it: `{results, next, total}`
 * (not `total_count`), `customer` as a populated object, `{id, name}` references, `event`, no
 * `status`; cursors opaque (a plain word in the docs' example, base64 with `+/=` in the other).
 */
describe('review probe: Zenskar balances doc fake', () => {
  let vendor: FakeVendor;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;
  const cursors = ['cursor_to_next_page', 'GmBsbCBh+cmV1/IGN1cmlvdxM='];

  beforeAll(async () => {
    vendor = await startFakeVendor((app) => {
      app.get('/entitlements/customers_balances', (c) => {
        const row = (n: number) => ({
          id: `b000000${n}-0000-4000-8000-000000000000`,
          entitlement: uuid(1),
          name: 'API calls',
          customer: { id: CUSTOMER, name: 'Acme', email: 'ops@acme.test' },
          contract: { id: 'c0000000-0000-4000-8000-000000000009', name: 'MSA 2024' },
          product: { id: 'd0000000-0000-4000-8000-000000000001', name: 'Growth' },
          invoice: null,
          quantity: 100,
          quantity_used: 30 + n,
          active_from: '2024-01-01T00:00:00Z',
          expiry_at: null,
          created_at: '2024-01-01T00:00:00Z',
          event: n % 2 === 0 ? 'Invoice' : 'Manual',
        });
        const cursor = c.req.query('cursor');
        const page = cursor === undefined ? 0 : cursors.indexOf(cursor) + 1;
        if (cursor !== undefined && page === 0) {
          return c.json(
            { detail: [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }] },
            422,
          );
        }
        const body: Record<string, unknown> = { results: [row(page * 2 + 1), row(page * 2 + 2)], total: 6 };
        // The last page ends with an empty `next`, the middle one with a `+/=` cursor.
        body['next'] = page < 2 ? cursors[page] : '';
        return c.json(body);
      });
    });
    gateway = await startProbeGateway(zenskarEnv(vendor));
  });
  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  it('translates gateway filters, wraps the vendor cursor verbatim and reads `total`', async () => {
    const query = `customerId=${CUSTOMER}&quantity[gte]=10&usage[lt]=50&sort=createdAt&order=desc&populate=customer,contract&limit=2`;
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const result = await gatewayCall(
        gateway.app,
        `/v1/balances?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(result.status).toBe(200);
      expect(result.body['totalCount']).toBe(6);
      for (const balance of result.body['data'] as Array<Record<string, unknown>>)
        seen.push(String(balance['id']));
      cursor = result.body['nextCursor'] as string | null;
      if (cursor === null) break;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    const requests = vendor.received.filter((request) => request.path === '/entitlements/customers_balances');
    expect(requests.map((request) => request.query.find(([name]) => name === 'cursor')?.[1] ?? null)).toEqual(
      [null, ...cursors],
    );
    const params = new Map(requests[0]?.query);
    expect(params.get('customer')).toBe(CUSTOMER);
    expect(params.get('quantity__gte')).toBe('10');
    expect(params.get('quantity_used__lt')).toBe('50');
    expect(params.get('sort_key')).toBe('created_at');
    expect(params.get('sort_type')).toBe('desc');
    expect(params.get('populate')).toBe('customer,contract');
    expect(params.get('limit')).toBe('2');
  });

  it('maps the documented example row', async () => {
    const result = await gatewayCall(gateway.app, '/v1/balances?limit=2');
    const [first] = result.body['data'] as Array<Record<string, unknown>>;
    expect(first).toMatchObject({
      object: 'balance',
      vendor: 'zenskar',
      customerId: CUSTOMER,
      customer: { id: CUSTOMER, name: 'Acme', email: 'ops@acme.test' },
      featureId: uuid(1),
      featureName: 'API calls',
      contract: { id: 'c0000000-0000-4000-8000-000000000009', name: 'MSA 2024' },
      quantity: 100,
      usage: 31,
      remaining: 69,
      event: 'Manual',
    });
  });
});

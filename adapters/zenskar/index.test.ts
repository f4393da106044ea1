import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessTransport } from '../../src/http/in-process-transport';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createUpstreamClient } from '../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../test/support/http-server';
import type { LoadContext } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import { createZenskarAdapter, validateZenskarCustomerId } from './adapter';
import { customerEntitlementsUrl, parseZenskarError } from './client';
import {
  zenskarDemoCustomerIds,
  zenskarDemoCustomers,
  zenskarDemoDefinitionIds,
  zenskarSandboxCredentials,
} from './fixtures';
import { paginateZenskar } from './paginator';
import { createZenskarSimulator } from './simulator';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const context: LoadContext = {
  remember: (_namespace, _key, load) => load(),
};

const simulator = createZenskarSimulator();
const transport = createUndiciTransport();
let server: RunningServer;

function adapterFor(credentials: { apiKey: string; organisation: string } = zenskarSandboxCredentials) {
  return createZenskarAdapter({
    connection: { baseUrl: server.url, ...credentials },
    upstream: createUpstreamClient({ transport }),
    connectionKey: 'tenant-a:zenskar',
    clock: { now: () => NOW },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  server = await startHttpServer(simulator.app);
});
afterAll(async () => {
  await server.close();
  await transport.close();
});
afterEach(() => simulator.kit.reset());

const initech = zenskarDemoCustomers.find((customer) => customer.id === zenskarDemoCustomerIds.initech);

describe('zenskar adapter over real HTTP', () => {
  it('loads every page of a big customer, each row exactly once, with the documented requests', async () => {
    const expectedIds = initech?.rows.map((row) => row.id) ?? [];
    expect(expectedIds.length).toBe(432);

    const snapshot = await adapterFor().loadCustomer(zenskarDemoCustomerIds.initech, context);

    const rows = (snapshot.data as { rows: Array<{ id: string }> }).rows;
    const ids = rows.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expectedIds].sort());
    expect(snapshot).toMatchObject({
      vendor: 'zenskar',
      customerId: zenskarDemoCustomerIds.initech,
      fetchedAt: new Date(NOW).toISOString(),
      evaluatedAt: null,
    });
    // JSON-only: survives a round trip through the cache unchanged.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);

    const requests = simulator.kit.recorded;
    expect(requests).toHaveLength(5); // 432 rows at 100 a page
    for (const request of requests) {
      expect(request.method).toBe('GET');
      expect(request.path).toBe(`/entitlements/customer/${zenskarDemoCustomerIds.initech}`);
      expect(request.query['limit']).toEqual(['100']);
      expect(request.headers['x-api-key']).toBe(zenskarSandboxCredentials.apiKey);
      expect(request.headers['organisation']).toBe(zenskarSandboxCredentials.organisation);
      expect(request.headers['authorization']).toBeUndefined();
    }
    expect(requests[0]?.query['cursor']).toBeUndefined();
    const cursors = requests.slice(1).map((request) => request.query['cursor']);
    for (const cursor of cursors) expect(cursor).toHaveLength(1);
    expect(new Set(cursors.map((cursor) => cursor?.[0])).size).toBe(4);
  });

  it('passes the vendor cursor back verbatim, special characters included', async () => {
    const [first, second] = initech?.rows ?? [];
    const page = (rows: unknown[], next: string | null) => ({
      kind: 'status' as const,
      status: 200,
      body: JSON.stringify({ results: rows, next, previous: null, total_count: 2 }),
    });
    const render = (row: typeof first) => ({ ...row, name: 'x', units: null, type: 'Feature' });
    // The docs' example cursor: base64 with '=' padding (and '+' or '/' could appear too).
    simulator.kit.inject({
      fault: page([render(first)], 'V2VsbCBh+cmV1/IGN1cmlvdxM='),
      path: '/entitlements/customer/',
    });
    simulator.kit.inject({ fault: page([render(second)], ''), path: '/entitlements/customer/' });

    const snapshot = await adapterFor().loadCustomer(zenskarDemoCustomerIds.initech, context);

    expect((snapshot.data as { rows: unknown[] }).rows).toHaveLength(2);
    expect(simulator.kit.recorded.map((request) => request.query['cursor'])).toEqual([
      undefined,
      ['V2VsbCBh+cmV1/IGN1cmlvdxM='],
    ]);
  });

  it('keeps a row the vendor repeats across pages once, exactly as received', async () => {
    const row = (id: string) => ({
      id,
      entitlement: zenskarDemoDefinitionIds.sso,
      name: 'Single sign-on',
      units: null,
      customer: zenskarDemoCustomerIds.acme,
      type: 'Feature',
      status: 'active',
      undocumented: { kept: true },
    });
    const page = (rows: unknown[], next: string | null) => ({
      kind: 'status' as const,
      status: 200,
      body: JSON.stringify({ results: rows, next, previous: null, total_count: 3 }),
    });
    simulator.kit.inject({ fault: page([row('r1'), row('r2')], 'c1'), path: '/entitlements/customer/' });
    simulator.kit.inject({ fault: page([row('r2'), row('r3')], null), path: '/entitlements/customer/' });

    const snapshot = await adapterFor().loadCustomer(zenskarDemoCustomerIds.acme, context);

    expect(snapshot.data).toEqual({ rows: [row('r1'), row('r2'), row('r3')] });
  });

  it('normalizes a loaded demo customer end to end', async () => {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer(zenskarDemoCustomerIds.acme, context);
    const { entitlements } = adapter.normalize(snapshot, new Date(NOW));
    const byKey = new Map(entitlements.map((entitlement) => [entitlement.featureKey, entitlement]));
    expect(byKey.get(zenskarDemoDefinitionIds.apiCalls)).toMatchObject({
      type: 'metered',
      hasAccess: true,
      limit: 10_500,
      usage: 2_500,
      remaining: 8_000,
      unit: 'calls',
    });
    expect(byKey.get(zenskarDemoDefinitionIds.seats)).toMatchObject({ limit: 30, usage: 20, remaining: 10 });
    expect(byKey.get(zenskarDemoDefinitionIds.aiCredits)).toMatchObject({
      limit: 300,
      usage: 50,
      remaining: 250,
    });
    expect(byKey.get(zenskarDemoDefinitionIds.sso)).toMatchObject({ type: 'boolean', hasAccess: true });
    expect(byKey.get(zenskarDemoDefinitionIds.auditLog)).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
    });
  });

  it('treats a known customer with zero rows as existing with no entitlements', async () => {
    const adapter = adapterFor();
    const snapshot = await adapter.loadCustomer(zenskarDemoCustomerIds.umbrella, context);
    expect(snapshot.data).toEqual({ rows: [] });
    expect(adapter.normalize(snapshot, new Date(NOW)).entitlements).toEqual([]);
  });

  it('works over the in-process transport the sandbox uses', async () => {
    const base = 'http://zenskar.sandbox.internal';
    const adapter = createZenskarAdapter({
      connection: { baseUrl: base, ...zenskarSandboxCredentials },
      upstream: createUpstreamClient({ transport: createInProcessTransport({ [base]: simulator.app }) }),
      connectionKey: 'sandbox:zenskar',
      clock: { now: () => NOW },
    });
    const snapshot = await adapter.loadCustomer(zenskarDemoCustomerIds.globex, context);
    expect((snapshot.data as { rows: unknown[] }).rows).toHaveLength(9);
  });
});

describe('zenskar adapter errors', () => {
  it('maps the vendor 404 for an unknown customer to customer_not_found', async () => {
    const error = await rejection(adapterFor().loadCustomer('99999999-9999-4999-8999-999999999999', context));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'customer_not_found', status: 404, vendor: 'zenskar' });
    expect(simulator.kit.recorded).toHaveLength(1);
  });

  it('reports a wrong API key (401) as vendor_auth_failed with the vendor set', async () => {
    const error = await rejection(
      adapterFor({ ...zenskarSandboxCredentials, apiKey: 'wrong-key' }).loadCustomer(
        zenskarDemoCustomerIds.acme,
        context,
      ),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: 'vendor_auth_failed',
      vendor: 'zenskar',
      failure: { vendorStatus: 401 },
    });
    expect((error as UpstreamError).message).not.toContain('wrong-key');
  });

  it('reports a wrong organisation (403 explicit deny) as vendor_auth_failed', async () => {
    const error = await rejection(
      adapterFor({
        ...zenskarSandboxCredentials,
        organisation: '00000000-0000-4000-8000-000000000000',
      }).loadCustomer(zenskarDemoCustomerIds.acme, context),
    );
    expect(error).toMatchObject({
      code: 'vendor_auth_failed',
      vendor: 'zenskar',
      failure: { vendorStatus: 403, vendorCode: 'authorizer_denied' },
    });
  });

  it('reports a 2xx body that is not the documented envelope as vendor_bad_response', async () => {
    simulator.kit.inject({ fault: { kind: 'status', status: 200, body: '{"results": "nope"}' } });
    const error = await rejection(adapterFor().loadCustomer(zenskarDemoCustomerIds.acme, context));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'zenskar' });
    expect((error as UpstreamError).message).not.toContain('nope');
  });

  it('reports a row without its entitlement id as vendor_bad_response', async () => {
    const body = JSON.stringify({ results: [{ id: 'r1', name: 'No definition' }], next: null });
    simulator.kit.inject({ fault: { kind: 'status', status: 200, body } });
    const error = await rejection(adapterFor().loadCustomer(zenskarDemoCustomerIds.acme, context));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      failure: { vendorMessage: expect.stringContaining('results.0.entitlement') },
    });
  });

  it('reports a non-JSON 2xx body as vendor_bad_response', async () => {
    // Every attempt: the upstream client retries a malformed body on idempotent GETs.
    simulator.kit.inject({ fault: { kind: 'malformed-json' }, times: Number.POSITIVE_INFINITY });
    const error = await rejection(adapterFor().loadCustomer(zenskarDemoCustomerIds.acme, context));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'zenskar' });
  });

  it('stops with vendor_bad_response when the vendor repeats a cursor instead of looping', async () => {
    const looping = JSON.stringify({ results: [], next: 'same-cursor', previous: null });
    simulator.kit.inject({ fault: { kind: 'status', status: 200, body: looping }, times: 10 });
    const error = await rejection(adapterFor().loadCustomer(zenskarDemoCustomerIds.acme, context));
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'zenskar' });
    // First page (no cursor), second page (cursor once): the repeat is seen without a third call.
    expect(simulator.kit.recorded).toHaveLength(2);
  });

  it('rejects ids that cannot be Zenskar customers without calling the vendor', async () => {
    for (const id of [
      'acme',
      '../entitlements',
      '3c90c3cc0d444b5088888dd25736052a',
      '3c90c3cc-0d44-4b50-8888-8dd25736052a/x',
    ]) {
      expect(validateZenskarCustomerId(id)).toEqual(expect.stringContaining('UUID'));
      expect(await rejection(adapterFor().loadCustomer(id, context))).toMatchObject({
        code: 'validation_failed',
      });
    }
    expect(validateZenskarCustomerId('3C90C3CC-0D44-4B50-8888-8DD25736052A')).toBeNull();
    expect(simulator.kit.recorded).toHaveLength(0);
  });
});

describe('zenskar paginator', () => {
  it('caps the number of pages with a clear error', async () => {
    let calls = 0;
    const pages = paginateZenskar(
      async (cursor) => {
        calls += 1;
        return { next: `page-${Number(cursor?.slice(5) ?? 0) + 1}` };
      },
      { operation: 'test', maxPages: 3 },
    );
    const error = await rejection(
      (async () => {
        for await (const _page of pages) {
          // drain
        }
      })(),
    );
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'zenskar' });
    expect((error as Error).message).toContain('more than 3 pages');
    expect(calls).toBe(3);
  });

  it('ends on a null next and passes each next as the following cursor', async () => {
    const seen: Array<string | null> = [];
    const script = ['a', 'b', null];
    for await (const _page of paginateZenskar(
      async (cursor) => {
        seen.push(cursor);
        return { next: script[seen.length - 1] ?? null };
      },
      { operation: 'test' },
    )) {
      // drain
    }
    expect(seen).toEqual([null, 'a', 'b']);
  });
});

describe('zenskar request building and error parsing', () => {
  it('encodes the customer id as one path segment and keeps a base path', () => {
    expect(customerEntitlementsUrl('https://proxy.example/zenskar/', 'a/b?c=d#e', null)).toBe(
      'https://proxy.example/zenskar/entitlements/customer/a%2Fb%3Fc%3Dd%23e?limit=100',
    );
    expect(customerEntitlementsUrl('https://api.zenskar.com', 'id', 'x+y/z=')).toBe(
      'https://api.zenskar.com/entitlements/customer/id?limit=100&cursor=x%2By%2Fz%3D',
    );
  });

  it('reads the three Zenskar error shapes', () => {
    expect(parseZenskarError(404, { detail: 'Customer not found' }, '')).toEqual({
      message: 'Customer not found',
    });
    expect(
      parseZenskarError(
        422,
        {
          detail: [
            {
              loc: ['query', 'limit'],
              msg: 'Input should be less than or equal to 100',
              type: 'less_than_equal',
            },
          ],
        },
        '',
      ),
    ).toEqual({ code: 'less_than_equal', message: 'query.limit: Input should be less than or equal to 100' });
    expect(
      parseZenskarError(
        403,
        { Message: 'User is not authorized to access this resource with an explicit deny' },
        '',
      ),
    ).toEqual({
      code: 'authorizer_denied',
      message: 'User is not authorized to access this resource with an explicit deny',
    });
    expect(parseZenskarError(502, undefined, '<html>Bad gateway</html>')).toEqual({
      message: '<html>Bad gateway</html>',
    });
    expect(parseZenskarError(500, undefined, '')).toEqual({ message: 'HTTP 500 with an empty body' });
  });
});

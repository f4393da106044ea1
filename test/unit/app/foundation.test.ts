import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../../schemas/problem';
import { type errorCatalog, problemTypeUri } from '../../../src/errors/codes';
import { bearer, OTHER_TENANT_KEY, TEST_KEY } from '../../support/gateway';
import { twoTenantGateway } from './fixtures';

const protectedRequests: Array<[string, string, unknown?]> = [
  ['GET', '/v1/customers/c1/entitlements?vendor=chargebee'],
  ['GET', '/v1/customers/c1/entitlements/seats?vendor=chargebee'],
  ['POST', '/v1/check', { checks: [{ customerId: 'c1', vendor: 'chargebee', featureKey: 'seats' }] }],
  ['POST', '/v1/customers/c1/entitlements/refresh?vendor=chargebee'],
];

async function call(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.type).toBe(problemTypeUri(code as keyof typeof errorCatalog));
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  return body;
}

describe('authentication', () => {
  for (const [method, path, body] of protectedRequests) {
    it(`${method} ${path.split('?')[0]} answers 401 without a key, with a wrong key and with a non-Bearer scheme`, async () => {
      const { app, chargebee } = await twoTenantGateway();
      chargebee.customers.set('c1', [{ key: 'seats', limit: 5 }]);
      await expectProblem(await call(app, method, path, body), 401, 'unauthorized');
      await expectProblem(
        await call(app, method, path, body, bearer('not-a-key-at-all-xxxxxxxx')),
        401,
        'unauthorized',
      );
      await expectProblem(
        await call(app, method, path, body, { authorization: `Basic ${btoa(`${TEST_KEY}:`)}` }),
        401,
        'unauthorized',
      );
      expect(chargebee.loads).toBe(0);
      const ok = await call(app, method, path, body, bearer(TEST_KEY));
      expect(ok.status).toBe(200);
    });
  }

  it('leaves health, readiness, the spec and the docs open', async () => {
    const { app } = await twoTenantGateway();
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await app.request(path)).status, path).toBe(200);
    }
  });

  it('keeps each tenant on its own data and cursors', async () => {
    const { app, chargebee } = await twoTenantGateway();
    chargebee.customers.set('c1', [{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    const first = (await (
      await call(
        app,
        'GET',
        '/v1/customers/c1/entitlements?vendor=chargebee&limit=1',
        undefined,
        bearer(TEST_KEY),
      )
    ).json()) as { nextCursor: string };
    expect(first.nextCursor).toEqual(expect.any(String));
    const foreign = await call(
      app,
      'GET',
      `/v1/customers/c1/entitlements?vendor=chargebee&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`,
      undefined,
      bearer(OTHER_TENANT_KEY),
    );
    await expectProblem(foreign, 400, 'invalid_cursor');
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const { app } = await twoTenantGateway();
    const kept = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await app.request('/healthz', {
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    const made = replaced.headers.get('x-request-id');
    expect(made).not.toBeNull();
    expect(made).not.toBe('bad id with spaces <script>');
    // The id made in its place is one the gateway itself accepts: offered back, it is echoed.
    const offeredBack = await app.request('/healthz', { headers: { 'x-request-id': String(made) } });
    expect(offeredBack.headers.get('x-request-id')).toBe(made);
    // And each replacement is new, so two requests are not logged under one id.
    const again = await app.request('/healthz', {
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    expect(again.headers.get('x-request-id')).not.toBe(made);
  });
});

describe('validation problems', () => {
  it('lists every invalid query field in one 400', async () => {
    const { app, chargebee } = await twoTenantGateway();
    const response = await call(
      app,
      'GET',
      '/v1/customers/c1/entitlements?vendor=chargebee&limit=0&type=bogus&hasAccess=maybe&at=yesterday&colour=red',
      undefined,
      bearer(TEST_KEY),
    );
    const body = await expectProblem(response, 400, 'validation_failed');
    const paths = (body.errors ?? []).map((error) => error.path).sort();
    expect(paths).toEqual(['query.at', 'query.colour', 'query.hasAccess', 'query.limit', 'query.type']);
    expect(chargebee.loads).toBe(0);
  });

  it.each(['0', '101', 'abc', '1.5', ''])('rejects limit=%s', async (limit) => {
    const { app } = await twoTenantGateway();
    const body = await expectProblem(
      await call(
        app,
        'GET',
        `/v1/customers/c1/entitlements?vendor=chargebee&limit=${limit}`,
        undefined,
        bearer(TEST_KEY),
      ),
      400,
      'validation_failed',
    );
    expect(body.errors?.map((error) => error.path)).toEqual(['query.limit']);
  });

  it('rejects a malformed JSON body, a wrong content type and a bad batch item with problems', async () => {
    const { app } = await twoTenantGateway();
    const malformed = await app.request('/v1/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_KEY) },
      body: '{"checks": [',
    });
    await expectProblem(malformed, 400, 'validation_failed');
    const wrongType = await app.request('/v1/check', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer(TEST_KEY) },
      body: 'hello',
    });
    await expectProblem(wrongType, 415, 'unsupported_media_type');
    // One bad item does not fail the batch: it gets its own problem, listing its bad fields.
    const badItems = await call(
      app,
      'POST',
      '/v1/check',
      {
        checks: [
          { customerId: '', featureKey: 'x' },
          { featureKey: 'y', customerId: 'c', requestedUsage: -1 },
        ],
      },
      bearer(TEST_KEY),
    );
    expect(badItems.status).toBe(200);
    const items = (await badItems.json()) as {
      results: Array<{ error: { code: string; errors: Array<{ path: string }> } }>;
    };
    expect(items.results.map((item) => item.error.code)).toEqual(['validation_failed', 'validation_failed']);
    expect(items.results.flatMap((item) => item.error.errors.map((error) => error.path))).toEqual([
      'body.checks.0.customerId',
      'body.checks.1.requestedUsage',
    ]);
    const empty = await call(app, 'POST', '/v1/check', { checks: [] }, bearer(TEST_KEY));
    await expectProblem(empty, 400, 'validation_failed');
    const tooMany = await call(
      app,
      'POST',
      '/v1/check',
      { checks: Array.from({ length: 101 }, () => ({ customerId: 'c1', featureKey: 'x' })) },
      bearer(TEST_KEY),
    );
    await expectProblem(tooMany, 400, 'validation_failed');
  });

  it('accepts RFC 3339 instants with a lower-case t and z (RFC 3339 §5.6)', async () => {
    const { app, chargebee } = await twoTenantGateway();
    chargebee.customers.set('c1', [{ key: 'seats', limit: 2 }]);
    const response = await call(
      app,
      'GET',
      '/v1/customers/c1/entitlements?vendor=chargebee&at=2026-01-01t00:00:00z',
      undefined,
      bearer(TEST_KEY),
    );
    expect(response.status).toBe(200);
  });

  it('reports a refresh as a forced, stored load', async () => {
    const { app, chargebee } = await twoTenantGateway();
    chargebee.customers.set('c1', [{ key: 'seats', limit: 2 }]);
    const response = await call(
      app,
      'POST',
      '/v1/customers/c1/entitlements/refresh?vendor=chargebee',
      undefined,
      bearer(TEST_KEY),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-status')).toBe('entitlements-gateway; fwd=request; stored');
    expect(response.headers.get('age')).toBe('0');
    expect(chargebee.loads).toBe(1);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const { app } = await twoTenantGateway();
    await expectProblem(await app.request('/nope'), 404, 'not_found');
  });

  it('requires the vendor when the tenant has several, and refuses a vendor it lacks', async () => {
    const { app } = await twoTenantGateway();
    await expectProblem(
      await call(app, 'GET', '/v1/customers/c1/entitlements', undefined, bearer(TEST_KEY)),
      400,
      'vendor_required',
    );
    await expectProblem(
      await call(app, 'GET', '/v1/customers/c1/entitlements?vendor=paygentic', undefined, bearer(TEST_KEY)),
      400,
      'vendor_not_configured',
    );
  });
});

describe('unknown errors', () => {
  it('answers a generic 500 that leaks nothing, and logs the stack', async () => {
    const { app, chargebee, logs } = await twoTenantGateway();
    chargebee.failWith = new Error('database password is hunter2 at /srv/secret/path');
    const response = await call(
      app,
      'GET',
      '/v1/customers/c1/entitlements?vendor=chargebee',
      undefined,
      bearer(TEST_KEY),
    );
    const text = await response.clone().text();
    const body = await expectProblem(response, 500, 'internal_error');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/srv/secret');
    expect(body.detail).not.toMatch(/Error|stack|at /);
    const logged = logs.map((line) => JSON.parse(line)).find((line) => line.event === 'unhandled_error');
    expect(logged?.error?.stack).toContain('hunter2');
    expect(logged?.requestId).toBe(body.requestId);
  });

  it('keeps a batch alive when one item hits an unknown error', async () => {
    const { app, chargebee, zenskar } = await twoTenantGateway();
    chargebee.customers.set('c1', [{ key: 'seats', limit: 3 }]);
    zenskar.failWith = new Error('boom');
    const response = await call(
      app,
      'POST',
      '/v1/check',
      {
        checks: [
          { customerId: 'c1', vendor: 'chargebee', featureKey: 'seats' },
          { customerId: 'c1', vendor: 'zenskar', featureKey: 'seats' },
        ],
      },
      bearer(TEST_KEY),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: unknown[] };
    expect(body.results[0]).toMatchObject({ object: 'entitlement_check', hasAccess: true });
    expect(body.results[1]).toMatchObject({
      object: 'entitlement_check_error',
      error: { status: 500, code: 'internal_error' },
    });
    expect(JSON.stringify(body)).not.toContain('boom');
  });
});

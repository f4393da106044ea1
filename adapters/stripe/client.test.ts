import { describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/http/upstream-client';
import type { Transport } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import {
  buildActiveEntitlementsUrl,
  createStripeClient,
  isUnknownCustomerAnswer,
  parseStripeError,
  stripeRequestHeaders,
  validateStripeCustomerId,
} from './client';
import { stripeSandboxCredentials } from './fixtures';
import { createStripeSimulator, type StripeSimulator } from './simulator';

const apiKey = stripeSandboxCredentials.apiKey;

/** The simulator answering in process: what the client sends is what the simulator records. */
function inProcessTransport(simulator: StripeSimulator): Transport {
  return (url, init) => Promise.resolve(simulator.app.fetch(new Request(url, init)));
}

function clientFor(simulator: StripeSimulator, connection: { apiKey?: string; apiVersion?: string } = {}) {
  return createStripeClient({
    connection: {
      baseUrl: 'https://api.stripe.test',
      apiKey: connection.apiKey ?? apiKey,
      apiVersion: connection.apiVersion,
    },
    // One attempt and zero jitter: these tests are about how one answer is read, not about retries.
    upstream: createUpstreamClient({
      transport: inProcessTransport(simulator),
      maxAttempts: 1,
      random: () => 0,
      limitsFor: () => ({ requestsPerMinute: 6_000, burst: 100, maxConcurrent: 10 }),
    }),
    connectionKey: 'tenant-test:stripe',
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('stripe client: requests', () => {
  it('sends the key as a Bearer token, and Stripe-Version only when pinned', () => {
    expect(stripeRequestHeaders({ apiKey: 'sk_test_abc' })).toEqual({ authorization: 'Bearer sk_test_abc' });
    expect(stripeRequestHeaders({ apiKey: 'rk_live_abc', apiVersion: '2024-09-30.acacia' })).toEqual({
      authorization: 'Bearer rk_live_abc',
      'stripe-version': '2024-09-30.acacia',
    });
  });

  it('builds the list URL: customer, limit, expand[]=data.feature, and starting_after only when given', () => {
    const first = new URL(
      buildActiveEntitlementsUrl('https://api.stripe.com', { customerId: 'cus_A1', limit: 100 }),
    );
    expect(first.origin + first.pathname).toBe('https://api.stripe.com/v1/entitlements/active_entitlements');
    expect([...first.searchParams]).toEqual([
      ['customer', 'cus_A1'],
      ['limit', '100'],
      ['expand[]', 'data.feature'],
    ]);
    const next = new URL(
      buildActiveEntitlementsUrl('https://api.stripe.com', {
        customerId: 'cus_A1',
        limit: 7,
        startingAfter: 'ent_9',
      }),
    );
    expect([...next.searchParams]).toEqual([
      ['customer', 'cus_A1'],
      ['limit', '7'],
      ['expand[]', 'data.feature'],
      ['starting_after', 'ent_9'],
    ]);
  });

  it('keeps a proxy path prefix, tolerates a trailing slash, and a value can never add a parameter', () => {
    const proxied = new URL(
      buildActiveEntitlementsUrl('https://proxy.example/stripe/', { customerId: 'cus_A', limit: 1 }),
    );
    expect(proxied.pathname).toBe('/stripe/v1/entitlements/active_entitlements');
    const hostile = new URL(
      buildActiveEntitlementsUrl('https://api.stripe.com', {
        customerId: 'cus_A&limit=1',
        limit: 100,
        startingAfter: 'x#y',
      }),
    );
    expect(hostile.searchParams.getAll('limit')).toEqual(['100']);
    expect(hostile.searchParams.get('customer')).toBe('cus_A&limit=1');
    expect(hostile.searchParams.get('starting_after')).toBe('x#y');
    expect(hostile.hash).toBe('');
  });
});

describe('stripe client: customer ids', () => {
  it.each([
    ['a dashboard-style id', 'cus_NffrFeUfNV2Hib'],
    ['a one-character id', 'cus_1'],
    ['exactly 5,000 characters', `cus_${'a'.repeat(4_996)}`],
  ])('accepts %s', (_label, id) => {
    expect(validateStripeCustomerId(id)).toBeNull();
  });

  it.each([
    ['no prefix', 'NffrFeUfNV2Hib'],
    ['another object', 'sub_123'],
    ['prefix only', 'cus_'],
    ['punctuation', 'cus_a/../b'],
    ['upper-case prefix', 'CUS_abc'],
    ['longer than 5,000 characters', `cus_${'a'.repeat(4_997)}`],
  ])('refuses %s', (_label, id) => {
    expect(validateStripeCustomerId(id)).toMatch(/cus_/);
  });
});

describe('stripe client: error bodies', () => {
  it('reads {error:{type, code, message, param}}: code first, the param named in the message', () => {
    const body = {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: "No such customer: 'cus_x'",
        param: 'customer',
      },
    };
    expect(parseStripeError(400, body, '')).toEqual({
      code: 'resource_missing',
      message: "No such customer: 'cus_x' (param: customer)",
    });
    expect(parseStripeError(500, { error: { type: 'api_error', message: 'Oops' } }, '')).toEqual({
      code: 'api_error',
      message: 'Oops',
    });
  });

  it('ignores non-JSON or unexpected bodies and never copies raw text', () => {
    expect(parseStripeError(502, undefined, '<html>Bad gateway sk_live_secret</html>')).toEqual({});
    expect(parseStripeError(500, { message: 'not the Stripe shape' }, '')).toEqual({});
    expect(parseStripeError(500, { error: 'flat string' }, '')).toEqual({});
    expect(parseStripeError(500, { error: { message: 'x'.repeat(5_000) } }, '').message).toHaveLength(300);
  });

  it('an unknown customer is resource_missing about `customer`, as a 400 or a 404, and nothing else', () => {
    const missingCustomer = { type: 'invalid_request_error', code: 'resource_missing', param: 'customer' };
    expect(isUnknownCustomerAnswer(400, missingCustomer)).toBe(true);
    expect(isUnknownCustomerAnswer(404, missingCustomer)).toBe(true);
    expect(isUnknownCustomerAnswer(403, missingCustomer)).toBe(false);
    expect(isUnknownCustomerAnswer(400, { ...missingCustomer, param: 'starting_after' })).toBe(false);
    expect(isUnknownCustomerAnswer(400, { ...missingCustomer, code: 'parameter_missing' })).toBe(false);
    expect(isUnknownCustomerAnswer(404, null)).toBe(false);
  });
});

describe('stripe client: one page against the simulator', () => {
  it('sends GET with the documented path, query and Bearer header, and reads expanded features', async () => {
    const simulator = createStripeSimulator();
    const page = await clientFor(simulator).listActiveEntitlements({ customerId: 'cus_demoAcme', limit: 2 });
    expect(page.has_more).toBe(true);
    expect(page.data.map((row) => row.id)).toEqual(['ent_demoAcmeSso', 'ent_demoAcmeAuditLog']);
    expect(page.data[0]?.feature).toMatchObject({
      id: 'feat_demoSso',
      lookup_key: 'sso',
      name: 'Single sign-on',
    });
    const [request] = simulator.kit.recorded;
    expect(simulator.kit.recorded).toHaveLength(1);
    expect(request).toMatchObject({ method: 'GET', path: '/v1/entitlements/active_entitlements' });
    expect(request?.query).toEqual({
      customer: ['cus_demoAcme'],
      limit: ['2'],
      'expand[]': ['data.feature'],
    });
    expect(request?.headers['authorization']).toBe(`Bearer ${apiKey}`);
    expect(request?.headers).not.toHaveProperty('stripe-version');
  });

  it('sends Stripe-Version when the connection pins one', async () => {
    const simulator = createStripeSimulator();
    await clientFor(simulator, { apiVersion: '2024-09-30.acacia' }).listActiveEntitlements({
      customerId: 'cus_demoAcme',
      limit: 1,
      startingAfter: 'ent_demoAcmeSso',
    });
    expect(simulator.kit.recorded[0]?.headers['stripe-version']).toBe('2024-09-30.acacia');
    expect(simulator.kit.recorded[0]?.query['starting_after']).toEqual(['ent_demoAcmeSso']);
  });

  it.each([400, 404] as const)('an unknown customer answered %i is customer_not_found', async (status) => {
    const simulator = createStripeSimulator({ unknownCustomerStatus: status });
    const error = await rejectionOf(
      clientFor(simulator).listActiveEntitlements({ customerId: 'cus_nobody', limit: 100 }),
    );
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'customer_not_found', status: 404, vendor: 'stripe' });
  });

  it('a missing starting_after object is a rejected request, not an unknown customer', async () => {
    const simulator = createStripeSimulator();
    const error = await rejectionOf(
      clientFor(simulator).listActiveEntitlements({
        customerId: 'cus_demoAcme',
        limit: 1,
        startingAfter: 'ent_gone',
      }),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: 'vendor_request_rejected',
      failure: { vendorStatus: 400, vendorCode: 'resource_missing' },
    });
  });

  it.each([
    [
      'a 404 without Stripe’s body (a wrong base URL)',
      { status: 404, body: '<html>Not Found</html>' },
      'vendor_request_rejected',
    ],
    [
      'a 401 (bad key)',
      { status: 401, body: '{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}' },
      'vendor_auth_failed',
    ],
    [
      'a 403 (restricted key without permission)',
      { status: 403, body: '{"error":{"type":"invalid_request_error"}}' },
      'vendor_auth_failed',
    ],
    [
      'a 429',
      { status: 429, body: '{"error":{"type":"invalid_request_error","code":"rate_limit"}}' },
      'vendor_rate_limited',
    ],
    ['a 500', { status: 500, body: '{"error":{"type":"api_error"}}' }, 'vendor_unavailable'],
    ['a 503 with an HTML body', { status: 503, body: '<html>down</html>' }, 'vendor_unavailable'],
  ])('%s → %s', async (_label, fault, code) => {
    const simulator = createStripeSimulator();
    simulator.kit.inject({ fault: { kind: 'status', ...fault } });
    const error = await rejectionOf(
      clientFor(simulator).listActiveEntitlements({ customerId: 'cus_demoAcme', limit: 100 }),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code, vendor: 'stripe', failure: { vendorStatus: fault.status } });
  });

  it('a wrong key is refused by the simulator itself and read as vendor_auth_failed', async () => {
    const simulator = createStripeSimulator();
    const error = await rejectionOf(
      clientFor(simulator, { apiKey: 'sk_test_wrong' }).listActiveEntitlements({
        customerId: 'cus_demoAcme',
        limit: 1,
      }),
    );
    expect(error).toMatchObject({
      code: 'vendor_auth_failed',
      failure: { vendorStatus: 401, vendorCode: 'api_key_invalid' },
    });
    const forbidden = createStripeSimulator({ forbiddenKeys: ['rk_test_noEntitlements'] });
    const denied = await rejectionOf(
      clientFor(forbidden, { apiKey: 'rk_test_noEntitlements' }).listActiveEntitlements({
        customerId: 'cus_demoAcme',
        limit: 1,
      }),
    );
    expect(denied).toMatchObject({ code: 'vendor_auth_failed', failure: { vendorStatus: 403 } });
  });

  it.each([
    ['a non-JSON 200', { kind: 'malformed-json' } as const],
    ['a 200 without has_more', { kind: 'status', status: 200, body: '{"object":"list","data":[]}' } as const],
    [
      'a 200 whose rows have no id',
      { kind: 'status', status: 200, body: '{"has_more":false,"data":[{"feature":"feat_1"}]}' } as const,
    ],
    [
      'a 200 whose rows have no feature',
      { kind: 'status', status: 200, body: '{"has_more":false,"data":[{"id":"ent_1"}]}' } as const,
    ],
  ])('%s is vendor_bad_response', async (_label, fault) => {
    const simulator = createStripeSimulator();
    simulator.kit.inject({ fault });
    const error = await rejectionOf(
      clientFor(simulator).listActiveEntitlements({ customerId: 'cus_demoAcme', limit: 100 }),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'stripe' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchCheckResponse,
  type CheckResult,
  createGatewayClient,
  type Entitlement,
  type EntitlementList,
  type GatewayClient,
  GatewayProblemError,
} from '../../../client';
import { SANDBOX_API_KEY } from '../../../src/config';
import type { SharedGateway } from '../../shared/route-suite-target';
import { openNodeSandboxGateway } from '../../support/node-sandbox-gateway';

/**
 * The typed client (client/index.ts) against a sandbox gateway. The annotated assignments below
 * are the type check: they compile (`tsc` in `npm test`) only while the generated types describe a
 * check, a list page and a batch as the gateway sends them, without casts.
 */

let gateway: SharedGateway;
let client: GatewayClient;

beforeAll(async () => {
  gateway = await openNodeSandboxGateway({});
  client = createGatewayClient({
    baseUrl: 'http://gateway.test',
    apiKey: SANDBOX_API_KEY,
    // In process: the client's requests go straight to the app.
    fetch: async (request) => {
      const url = new URL(request.url);
      const body = request.method === 'GET' ? undefined : await request.text();
      return gateway.call(`${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        ...(body === undefined ? {} : { body }),
      });
    },
  });
});

afterAll(async () => {
  await gateway.close();
});

describe('typed client', () => {
  it('checks a feature, entitled or not, with typed nullable fields', async () => {
    const check: CheckResult = await client.checkEntitlement('c1', 'user-licenses', {
      vendor: 'chargebee',
      requestedUsage: 5,
    });
    expect(check).toMatchObject({ object: 'entitlement_check', hasAccess: true, requestedUsage: 5 });
    const entitlement: Entitlement | null = check.entitlement;
    expect(entitlement?.featureKey).toBe('user-licenses');

    const lacking: CheckResult = await client.checkEntitlement('c1', 'no-such-feature', {
      vendor: 'chargebee',
    });
    expect(lacking).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
      type: null,
      entitlement: null,
    });
  });

  it('reads a list page and pages through nextCursor with the iterators', async () => {
    const page: EntitlementList = await client.listEntitlements('c1', { vendor: 'chargebee', limit: 100 });
    expect(page.nextCursor).toBeNull();
    const keys: string[] = [];
    for await (const entitlement of client.entitlements('c1', { vendor: 'chargebee', limit: 2 }))
      keys.push(entitlement.featureKey);
    expect(keys).toEqual(page.data.map((entitlement) => entitlement.featureKey));
    let pages = 0;
    for await (const each of client.entitlementPages('c1', { vendor: 'chargebee', limit: 2 })) {
      pages += 1;
      expect(each.data.length).toBeLessThanOrEqual(2);
    }
    expect(pages).toBe(Math.ceil(page.totalCount / 2));
  });

  it('answers a batch whose results narrow on `object`', async () => {
    const batch: BatchCheckResponse = await client.batchCheck([
      { customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses' },
      { customerId: 'no-such-customer', vendor: 'chargebee', featureKey: 'user-licenses' },
    ]);
    const [first, second] = batch.results;
    if (first?.object !== 'entitlement_check') throw new Error('expected a check first');
    const hasAccess: boolean = first.hasAccess;
    expect(hasAccess).toBe(true);
    if (second?.object !== 'entitlement_check_error') throw new Error('expected an item error second');
    const code: string = second.error.code;
    expect(code).toBe('customer_not_found');
  });

  it('throws problems as GatewayProblemError with their status and code', async () => {
    const failure = await client
      .checkEntitlement('no-such-customer', 'x', { vendor: 'chargebee' })
      .catch((error) => error);
    expect(failure).toBeInstanceOf(GatewayProblemError);
    expect(failure).toMatchObject({ status: 404, code: 'customer_not_found' });
    expect((failure as GatewayProblemError).requestId).toMatch(/\S/);

    const unauthorized = createGatewayClient({
      baseUrl: 'http://gateway.test',
      apiKey: 'wrong-key-000000000000',
      fetch: async (request) => gateway.call(new URL(request.url).pathname, { headers: request.headers }),
    });
    await expect(unauthorized.listEntitlements('c1', { vendor: 'chargebee' })).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('lists balances and refreshes a customer', async () => {
    const balances = await client.listBalances({ vendor: 'zenskar', limit: 2 });
    expect(balances.object).toBe('list');
    const refreshed = await client.refreshEntitlements('c1', { vendor: 'chargebee' });
    expect(refreshed).toMatchObject({ object: 'entitlement_refresh', customerId: 'c1' });
  });
});

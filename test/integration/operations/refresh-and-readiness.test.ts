import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svixSecret } from '../../../adapters/paygentic/test-kit';
import { ProblemSchema } from '../../../schemas/problem';
import { sha256Hex } from '../../../src/config';
import {
  type RobustGateway,
  requestJson,
  startRobustGateway,
  startVendorAccount,
  type TestTenant,
  type VendorAccount,
} from '../../support/robustness-support';
import { uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * Issue 15, items 3 and 7: a refresh during a vendor outage reports the failure but keeps the copy
 * it could not replace; a refresh during a Redis outage answers the documented `cache_unavailable`;
 * `/readyz` turns 503 when every vendor of a tenant is unreachable with nothing cached, and says so
 * without naming the tenant.
 */

const KEY = 'ops-refresh-gateway-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const list = (customer: string, vendor: string) => `/v1/customers/${customer}/entitlements?vendor=${vendor}`;
const refresh = (customer: string, vendor: string) =>
  `/v1/customers/${customer}/entitlements/refresh?vendor=${vendor}`;

function tenantOf(account: VendorAccount, label: string): TestTenant {
  return {
    id: uniqueTenantId(label),
    apiKeys: [KEY],
    account,
    webhooks: {
      chargebee: { username: 'ops-hooks', password: 'ops-hook-password' },
      paygentic: { secret: svixSecret(label) },
      zenskar: { secret: 'ops-zenskar-secret', header: 'x-zenskar-signature' },
    },
  };
}

describe('POST …/refresh during a vendor outage', () => {
  let account: VendorAccount;
  let gateway: RobustGateway;
  beforeAll(async () => {
    account = await startVendorAccount();
    gateway = await startRobustGateway({ tenants: [tenantOf(account, 'ops-refresh')] });
  });
  afterAll(async () => {
    await gateway?.close();
    await account?.close();
  });

  it('answers the vendor problem and keeps serving the copy it could not replace', async () => {
    const before = await requestJson(gateway.app, list('c1', 'chargebee'), { headers: auth });
    expect(before.status).toBe(200);

    account.simulators.chargebee.kit.inject({
      fault: { kind: 'status', status: 503 },
      times: Number.POSITIVE_INFINITY,
    });
    const refreshed = await requestJson(gateway.app, refresh('c1', 'chargebee'), {
      method: 'POST',
      headers: auth,
    });
    expect(refreshed.status).toBe(503);
    expect(ProblemSchema.parse(refreshed.body).code).toBe('vendor_unavailable');

    const after = await requestJson(gateway.app, list('c1', 'chargebee'), { headers: auth });
    expect(after.status).toBe(200);
    expect(after.body['data']).toEqual(before.body['data']);
  });
});

describe('POST …/refresh during a Redis outage', () => {
  let account: VendorAccount;
  let gateway: RobustGateway;
  beforeAll(async () => {
    account = await startVendorAccount();
    // Nothing listens on port 1: every Redis command fails, as when Redis is stopped.
    gateway = await startRobustGateway({
      tenants: [tenantOf(account, 'ops-refresh-redis')],
      redisUrl: 'redis://127.0.0.1:1',
      awaitRedis: false,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await account?.close();
  });

  it('answers cache_unavailable with Retry-After, a problem the route documents', async () => {
    const refreshed = await requestJson(gateway.app, refresh('c1', 'chargebee'), {
      method: 'POST',
      headers: auth,
    });
    expect(refreshed.status).toBe(503);
    expect(ProblemSchema.parse(refreshed.body).code).toBe('cache_unavailable');
    expect(refreshed.headers.get('retry-after')).toMatch(/^\d+$/);

    const spec = await requestJson(gateway.app, '/openapi.json');
    const responses = (
      spec.body['paths'] as Record<string, { post: { responses: Record<string, unknown> } }>
    )['/v1/customers/{customerId}/entitlements/refresh']?.post.responses;
    expect(JSON.stringify(responses?.['503'])).toContain('cache_unavailable');
  });
});

describe('/readyz', () => {
  let account: VendorAccount;
  let gateway: RobustGateway;
  beforeAll(async () => {
    account = await startVendorAccount();
    const tenant = tenantOf(account, 'ops-ready');
    // One tenant, Chargebee only: when Chargebee is unreachable this tenant can only get errors.
    gateway = await startRobustGateway({
      tenants: [tenant],
      redisUrl: null,
      env: {
        GATEWAY_CONFIG: JSON.stringify({
          tenants: [
            {
              id: tenant.id,
              apiKeyHashes: [await sha256Hex(KEY)],
              vendors: {
                chargebee: {
                  site: account.connections.chargebee.site,
                  apiKey: account.connections.chargebee.apiKey,
                  baseUrl: account.urls.chargebee,
                },
              },
            },
          ],
        }),
        UPSTREAM_MAX_ATTEMPTS: '5',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await account?.close();
  });

  it('is ready while the vendor answers, and 503 naming the vendor (not the tenant) once its breaker is open with nothing cached', async () => {
    const ready = await requestJson(gateway.app, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { config: 'ok', tenants: 'ok' } });

    account.simulators.chargebee.kit.inject({
      fault: { kind: 'status', status: 503 },
      times: Number.POSITIVE_INFINITY,
    });
    // Five failed attempts open the breaker; nothing of this tenant was ever cached.
    const failed = await requestJson(gateway.app, list('c1', 'chargebee'), { headers: auth });
    expect(failed.status).toBe(503);

    const notReady = await requestJson(gateway.app, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({
      status: 'not_ready',
      checks: {
        'upstream:chargebee': 'open',
        tenants: '1 of 1 unreachable (every vendor open, nothing cached)',
      },
    });
    expect(notReady.text).not.toContain(gateway.config.tenants[0]?.id as string);
  });
});

describe('/readyz with something cached', () => {
  let account: VendorAccount;
  let gateway: RobustGateway;
  beforeAll(async () => {
    account = await startVendorAccount();
    gateway = await startRobustGateway({
      tenants: [tenantOf(account, 'ops-ready-cached')],
      redisUrl: null,
      env: { UPSTREAM_MAX_ATTEMPTS: '5' },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await account?.close();
  });

  it('stays ready while every breaker of the tenant is open but its cached copies can be served', async () => {
    for (const [vendor, customer] of [
      ['chargebee', 'c1'],
      ['paygentic', 'cus_demoAcme'],
      ['zenskar', 'c0000000-0000-4000-8000-000000000001'],
    ] as const) {
      expect((await requestJson(gateway.app, list(customer, vendor), { headers: auth })).status).toBe(200);
      account.simulators[vendor].kit.inject({
        fault: { kind: 'status', status: 503 },
        times: Number.POSITIVE_INFINITY,
      });
      // A forced reload fails five times: the breaker opens, the cached copy answers (stale-if-error).
      const forced = await requestJson(gateway.app, list(customer, vendor), {
        headers: { ...auth, 'cache-control': 'no-cache' },
      });
      expect(forced.status).toBe(200);
    }
    const ready = await requestJson(gateway.app, '/readyz');
    expect(ready.body).toMatchObject({
      checks: { 'upstream:chargebee': 'open', 'upstream:paygentic': 'open', 'upstream:zenskar': 'open' },
    });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { tenants: 'ok' } });
  });
});

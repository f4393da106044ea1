import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerLinksSchema } from '../../../schemas/links';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { linkKey } from '../../../src/services/customer-link-store';
import { createTestClock, OTHER_TENANT_KEY } from '../../support/gateway';
import {
  openTenantRedis,
  type Simulators,
  startRedisProxy,
  startSimulators,
  uniqueTenantId,
} from '../../support/route-cache-fixture';
import { demoAccounts, type MultiVendorGateway, startMultiVendorGateway } from './multi-vendor-stack';

/**
 * `GET/PUT/DELETE /v1/customers/{customerId}/links` over the real Redis: persistence across a gateway
 * restart, tenant isolation, static and dynamic links combined, validation per vendor, and the
 * problems without Redis and with Redis down.
 */

const tenantId = uniqueTenantId('links');
const clock = createTestClock();
let simulators: Simulators;
let redis: Awaited<ReturnType<typeof openTenantRedis>>;
const instances: MultiVendorGateway[] = [];

async function start(options: { redisUrl?: string | null } = {}) {
  const instance = await startMultiVendorGateway(simulators, { tenantId, clock, ...options });
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  simulators = await startSimulators();
  redis = await openTenantRedis(tenantId);
});

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await redis?.cleanup();
  await simulators?.close();
});

describe('customer links routes', () => {
  it('PUT stores links that survive a gateway restart and drive merged answers; DELETE removes them', async () => {
    const first = await start();
    const put = await first.put('/v1/customers/dyn-1/links', {
      links: { chargebee: demoAccounts.chargebee, paygentic: demoAccounts.paygentic },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(CustomerLinksSchema.parse(put.body)).toEqual({
      object: 'customer_links',
      customerId: 'dyn-1',
      links: { paygentic: demoAccounts.paygentic, chargebee: demoAccounts.chargebee },
      origins: { paygentic: 'dynamic', chargebee: 'dynamic' },
    });
    expect(put.response.headers.get('cache-control')).toBe('no-store');
    // In Redis, in the links namespace, with no TTL.
    expect(await redis.admin.ttl(linkKey(tenantId, 'dyn-1'))).toBe(-1);
    await first.close();

    const restarted = await start();
    const read = await restarted.get('/v1/customers/dyn-1/links');
    expect(read.status).toBe(200);
    expect(CustomerLinksSchema.parse(read.body).links).toEqual({
      paygentic: demoAccounts.paygentic,
      chargebee: demoAccounts.chargebee,
    });
    const merged = await restarted.get('/v1/customers/dyn-1/entitlements?featureKey=seats');
    expect(merged.status).toBe(200);
    const page = EntitlementListSchema.parse(merged.body);
    expect(page.vendors?.map((status) => status.vendor)).toEqual(['paygentic', 'chargebee']);
    expect(page.data[0]?.sources).toHaveLength(2);

    const removed = await restarted.delete('/v1/customers/dyn-1/links');
    expect(removed.status).toBe(204);
    expect(removed.body).toBe('');
    expect((await restarted.get('/v1/customers/dyn-1/links')).status).toBe(404);
    expect(await redis.admin.exists(linkKey(tenantId, 'dyn-1'))).toBe(0);
    // Idempotent.
    expect((await restarted.delete('/v1/customers/dyn-1/links')).status).toBe(204);
    // No longer linked: a plain id again (three vendors, so `vendor` is required).
    expect((await restarted.get('/v1/customers/dyn-1/entitlements')).status).toBe(400);
  });

  it('dynamic links override static ones per vendor; DELETE restores the static ones', async () => {
    const gateway = await start();
    const put = await gateway.put('/v1/customers/acme-2/links', { links: { chargebee: 'c1' } });
    expect(CustomerLinksSchema.parse(put.body)).toMatchObject({
      links: { paygentic: demoAccounts.paygentic, chargebee: 'c1' },
      origins: { paygentic: 'static', chargebee: 'dynamic' },
    });
    const merged = EntitlementListSchema.parse(
      (await gateway.get('/v1/customers/acme-2/entitlements?limit=100')).body,
    );
    expect(merged.vendors?.find((status) => status.vendor === 'chargebee')?.customerId).toBe('c1');
    expect((await gateway.delete('/v1/customers/acme-2/links')).status).toBe(204);
    expect(CustomerLinksSchema.parse((await gateway.get('/v1/customers/acme-2/links')).body)).toMatchObject({
      links: { paygentic: demoAccounts.paygentic, chargebee: demoAccounts.chargebee },
      origins: { paygentic: 'static', chargebee: 'static' },
    });
  });

  it('another tenant neither sees nor changes the links', async () => {
    const gateway = await start();
    expect((await gateway.put('/v1/customers/dyn-2/links', { links: { chargebee: 'c1' } })).status).toBe(200);
    expect((await gateway.get('/v1/customers/dyn-2/links', OTHER_TENANT_KEY)).status).toBe(404);
    expect((await gateway.delete('/v1/customers/dyn-2/links', OTHER_TENANT_KEY)).status).toBe(204);
    expect((await gateway.get('/v1/customers/dyn-2/links')).status).toBe(200);
    expect((await gateway.get('/v1/customers/dyn-2/entitlements', OTHER_TENANT_KEY)).status).toBe(400);
  });

  it.each([
    [
      { links: { paygentic: 'not-a-paygentic-id' } },
      'validation_failed',
      'paygentic',
      'body.links.paygentic',
    ],
    [{ links: { zenskar: 'not-a-uuid' } }, 'validation_failed', 'zenskar', 'body.links.zenskar'],
    [{ links: { recurly: 'r-1' } }, 'validation_failed', undefined, 'body.links.recurly'],
  ])('PUT %j is a 400 naming the vendor', async (body, code, vendor, path) => {
    const gateway = await start();
    const answer = await gateway.put('/v1/customers/dyn-3/links', body);
    expect(answer.status).toBe(400);
    const problem = ProblemSchema.parse(answer.body);
    expect(problem).toMatchObject({ code, ...(vendor === undefined ? {} : { vendor }) });
    expect(problem.errors?.map((error) => error.path)).toEqual([path]);
    expect(JSON.stringify(problem)).not.toContain('not-a-');
    expect((await gateway.get('/v1/customers/dyn-3/links')).status).toBe(404);
  });

  it.each([
    [{}],
    [{ links: {} }],
    [{ links: { chargebee: '' } }],
    [{ links: { chargebee: 'c1' }, extra: 1 }],
    ['not json'],
  ])('PUT with a malformed body %j is validation_failed', async (body) => {
    const gateway = await start();
    const answer = await gateway.put('/v1/customers/dyn-4/links', body);
    expect(answer.status).toBe(400);
    expect(ProblemSchema.parse(answer.body).code).toBe('validation_failed');
  });

  it('needs a gateway key', async () => {
    const gateway = await start();
    const answer = await gateway.app.request('/v1/customers/acme-2/links');
    expect(answer.status).toBe(401);
  });

  it('without Redis: static links are served, PUT and DELETE answer 501 links_store_not_configured', async () => {
    const memoryOnly = await start({ redisUrl: null });
    expect(
      CustomerLinksSchema.parse((await memoryOnly.get('/v1/customers/acme-3/links')).body).origins,
    ).toEqual({
      zenskar: 'static',
      paygentic: 'static',
      chargebee: 'static',
    });
    for (const answer of [
      await memoryOnly.put('/v1/customers/dyn-5/links', { links: { chargebee: 'c1' } }),
      await memoryOnly.delete('/v1/customers/dyn-5/links'),
    ]) {
      expect(answer.status).toBe(501);
      expect(ProblemSchema.parse(answer.body).code).toBe('links_store_not_configured');
      expect(ProblemSchema.parse(answer.body).detail).toContain('REDIS_URL');
    }
  });

  it('with Redis down: the links routes answer 503 links_store_unavailable; entitlement reads carry on', async () => {
    const proxy = await startRedisProxy();
    const gateway = await start({ redisUrl: proxy.url });
    expect((await gateway.get('/v1/customers/acme-3/entitlements?featureKey=seats')).status).toBe(200);
    await proxy.cut();
    for (const answer of [
      await gateway.put('/v1/customers/dyn-6/links', { links: { chargebee: 'c1' } }),
      await gateway.get('/v1/customers/dyn-6/links'),
    ]) {
      expect(answer.status).toBe(503);
      expect(ProblemSchema.parse(answer.body).code).toBe('links_store_unavailable');
      expect(answer.response.headers.get('retry-after')).toBe('5');
    }
    // Static links and plain vendor ids still answer.
    const merged = await gateway.get('/v1/customers/acme-3/entitlements?featureKey=seats');
    expect(merged.status).toBe(200);
    expect(
      (await gateway.get(`/v1/customers/${demoAccounts.chargebee}/entitlements?vendor=chargebee`)).status,
    ).toBe(200);
  });
});

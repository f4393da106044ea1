import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../../schemas/webhook';
import {
  type GatewayInstance,
  parseCacheStatus,
  requestsTo,
  startRedisProxy,
  useRouteCacheScope,
  WEBHOOK_CREDENTIALS,
} from '../../../support/route-cache-fixture';

/**
 * `POST /v1/webhooks/chargebee` against the Chargebee simulator and the real Redis: Basic
 * credentials, the right customer (and only it) invalidated, subscription lookups for events that
 * name only a subscription, duplicates, malformed bodies and catalogue events.
 */

const ENV = { CACHE_TTL_SECONDS: '300', CACHE_STALE_SECONDS: '600' };
const { username, password } = WEBHOOK_CREDENTIALS.chargebee;
const GOOD_AUTH = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

const scope = useRouteCacheScope('webhooks-chargebee', { env: ENV });

const listOf = (customerId: string) => `/v1/customers/${customerId}/entitlements?vendor=chargebee`;
const rowsOf = (customerId: string) => `/api/v2/customers/${customerId}/customer_entitlements`;
let eventCounter = 0;
/** A Chargebee event id unique to this run (Chargebee's look like `ev_…`). */
const eventId = () => `ev_${scope.tenantId.replace(/-/g, '')}_${++eventCounter}`;

function deliver(instance: GatewayInstance, body: unknown, authorization: string | null = GOOD_AUTH) {
  return instance.post(
    '/v1/webhooks/chargebee',
    typeof body === 'string' ? body : JSON.stringify(body),
    authorization === null ? {} : { authorization },
  );
}

function subscriptionEvent(customerId: string, subscriptionId: string, type = 'subscription_changed') {
  return {
    id: eventId(),
    occurred_at: Math.floor(scope.clock.now() / 1000),
    source: 'admin_console',
    object: 'event',
    api_version: 'v2',
    event_type: type,
    webhook_status: 'scheduled',
    content: {
      subscription: { id: subscriptionId, customer_id: customerId, status: 'active' },
      customer: { id: customerId },
    },
  };
}

/** Caches c1 and cust_acme on `instance`; resets the simulator's recording. */
async function warm(instance: GatewayInstance): Promise<void> {
  for (const customerId of ['c1', 'cust_acme'])
    expect((await instance.get(listOf(customerId))).status).toBe(200);
  scope.simulators.simulators.chargebee.kit.reset();
}

async function isCached(customerId: string): Promise<boolean> {
  return (await scope.redis.entry('chargebee', 'snapshot', customerId)) !== undefined;
}

describe('Chargebee webhooks', () => {
  it('a subscription event with valid Basic credentials invalidates exactly that customer, in every tier and on every instance', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    await warm(a);
    for (const customerId of ['c1', 'cust_acme']) await b.get(listOf(customerId));
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.reset();
    scope.clock.advance(1000);
    const event = subscriptionEvent('c1', 's1');

    const delivered = await deliver(a, event);

    expect(delivered.status).toBe(200);
    expect(WebhookReceiptSchema.parse(delivered.body)).toEqual({
      object: 'webhook_receipt',
      vendor: 'chargebee',
      eventId: event.id,
      eventType: 'subscription_changed',
      duplicate: false,
      invalidatedCustomers: 1,
      catalogInvalidated: false,
    });
    expect(await isCached('c1')).toBe(false);
    expect(await isCached('cust_acme')).toBe(true);
    // Resolving a subscription event that names its customer costs no vendor call.
    expect(kit.recorded).toHaveLength(0);

    const reloaded = await a.get(listOf('c1'));
    expect(parseCacheStatus(reloaded.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    const untouched = await a.get(listOf('cust_acme'));
    expect(parseCacheStatus(untouched.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(requestsTo(kit, rowsOf('c1'))).toHaveLength(1);
    expect(requestsTo(kit, rowsOf('cust_acme'))).toHaveLength(0);

    // The other instance drops its memory copy once it checks Redis (memory trust window), and takes
    // the reloaded entry from there.
    scope.clock.advance(1000);
    const elsewhere = await b.get(listOf('c1'));
    expect(parseCacheStatus(elsewhere.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'redis',
      ttl: '299',
    });
    expect((await scope.redis.entry('chargebee', 'snapshot', 'c1'))?.storedAt).toBe(scope.clock.now() - 1000);
    expect(requestsTo(kit, rowsOf('c1'))).toHaveLength(1);
  });

  it('subscription_entitlements_updated names only a subscription: its customer is looked up at Chargebee and invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);
    const kit = scope.simulators.simulators.chargebee.kit;
    const event = {
      id: eventId(),
      occurred_at: Math.floor(scope.clock.now() / 1000),
      object: 'event',
      api_version: 'v2',
      event_type: 'subscription_entitlements_updated',
      content: {
        subscription_entitlements_updated_detail: { subscription_id: 'sub_acme_platform', has_next: false },
      },
    };

    const delivered = await deliver(a, event);

    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({
      duplicate: false,
      invalidatedCustomers: 1,
      catalogInvalidated: false,
    });
    const lookups = requestsTo(kit, '/api/v2/subscriptions/sub_acme_platform');
    expect(lookups).toHaveLength(1);
    // The lookup is an ordinary vendor call: the API key as Basic user name, not the webhook credentials.
    expect(lookups[0]?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${scope.simulators.env['CHARGEBEE_API_KEY']}:`).toString('base64')}`,
    );
    expect(await isCached('cust_acme')).toBe(false);
    expect(await isCached('c1')).toBe(true);
  });

  it('wrong or missing credentials: 401 problem, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);
    const wrongPassword = `Basic ${Buffer.from(`${username}:not-the-password`).toString('base64')}`;

    for (const authorization of [wrongPassword, 'Bearer something', null]) {
      const rejected = await deliver(a, subscriptionEvent('c1', 's1'), authorization);
      expect(rejected.status).toBe(401);
      expect(rejected.response.headers.get('content-type')).toBe('application/problem+json');
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({
        code: 'webhook_verification_failed',
        vendor: 'chargebee',
      });
    }
    expect(await isCached('c1')).toBe(true);
    const still = await a.get(listOf('c1'));
    expect(parseCacheStatus(still.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(scope.simulators.simulators.chargebee.kit.recorded).toHaveLength(0);
  });

  it('a duplicate event id is acknowledged as a duplicate and invalidates nothing a second time', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    await warm(a);
    const event = subscriptionEvent('c1', 's1');
    expect((await deliver(a, event)).body).toMatchObject({ duplicate: false, invalidatedCustomers: 1 });
    // The customer is loaded again after the first delivery…
    await a.get(listOf('c1'));
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.reset();

    // …and Chargebee redelivers the same event, to this instance and to another one.
    for (const instance of [a, b]) {
      const again = await deliver(instance, event);
      expect(again.status).toBe(200);
      expect(WebhookReceiptSchema.parse(again.body)).toMatchObject({
        eventId: event.id,
        duplicate: true,
        invalidatedCustomers: 0,
        catalogInvalidated: false,
      });
    }
    expect(await isCached('c1')).toBe(true);
    const cached = await a.get(listOf('c1'));
    expect(parseCacheStatus(cached.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(kit.recorded).toHaveLength(0);
  });

  it('malformed JSON (or an event without id) after valid credentials: 400 invalid_webhook, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);

    const malformed = await deliver(a, '{"id": "ev_1", "event_type": "subscription_changed", "content": {');
    expect(malformed.status).toBe(400);
    expect(ProblemSchema.parse(malformed.body)).toMatchObject({
      code: 'invalid_webhook',
      vendor: 'chargebee',
    });

    const noId = await deliver(a, {
      event_type: 'subscription_changed',
      content: { customer: { id: 'c1' } },
    });
    expect(noId.status).toBe(400);
    expect(ProblemSchema.parse(noId.body)).toMatchObject({ code: 'invalid_webhook' });

    expect(await isCached('c1')).toBe(true);
    expect(scope.simulators.simulators.chargebee.kit.recorded).toHaveLength(0);
  });

  it('a feature_* event drops the catalogue and marks every cached Chargebee customer outdated: each reloads on its next read (served stale meanwhile), on every instance', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    await warm(a);
    const zenskarCustomer = '/v1/customers/c0000000-0000-4000-8000-000000000001/entitlements?vendor=zenskar';
    expect((await a.get(zenskarCustomer)).status).toBe(200);
    expect((await b.get(listOf('c1'))).status).toBe(200);
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.reset();
    const feature = scope.simulators.simulators.chargebee.store.features.find(
      (candidate) => candidate.id === 'user-licenses',
    );
    if (!feature) throw new Error('demo data changed');
    feature.name = 'Seats';
    const featureName = (body: { data?: Array<Record<string, unknown>> }) =>
      body.data?.find((entitlement) => entitlement['featureKey'] === 'user-licenses')?.['featureName'];
    scope.clock.advance(1000);

    const delivered = await deliver(a, {
      id: eventId(),
      object: 'event',
      event_type: 'feature_updated',
      content: { feature: { id: 'user-licenses', name: 'Seats', type: 'quantity', status: 'active' } },
    });

    expect(delivered.status).toBe(200);
    expect(WebhookReceiptSchema.parse(delivered.body)).toMatchObject({
      invalidatedCustomers: 0,
      catalogInvalidated: true,
    });
    expect(await scope.redis.entry('chargebee', 'catalog', 'features')).toBeUndefined();
    // Nothing is deleted (no cold stampede on Chargebee's rate limit): a marker outdates the snapshots.
    expect(await isCached('c1')).toBe(true);
    expect(await scope.redis.admin.get(`eg:v1:${scope.tenantId}:chargebee:snapshot`)).toBe(
      String(scope.clock.now()),
    );
    expect(kit.recorded).toHaveLength(0);
    scope.clock.advance(1000);

    // c1 is answered at once from the outdated entry while it reloads in the background…
    const outdated = await a.get(listOf('c1'));
    expect(outdated.response.headers.get('cache-status')).toBe(
      'entitlements-gateway; hit; ttl=-2; detail=stale-while-revalidate',
    );
    expect(featureName(outdated.body)).toBe('User Licenses');
    await a.background.drain();
    // …one reload: the customer's rows once and the catalogue once.
    expect(requestsTo(kit, rowsOf('c1'))).toHaveLength(1);
    const featurePages = requestsTo(kit, '/api/v2/features').length;
    expect(featurePages).toBeGreaterThan(0);
    const current = await a.get(listOf('c1'));
    expect(parseCacheStatus(current.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(featureName(current.body)).toBe('Seats');

    // The other instance learns the marker on its next Redis read and takes the reloaded entry.
    const elsewhere = await b.get(listOf('c1'));
    expect(parseCacheStatus(elsewhere.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'redis',
    });
    expect(featureName(elsewhere.body)).toBe('Seats');

    // Every other Chargebee customer is outdated too; other vendors are untouched.
    const acme = await a.get(listOf('cust_acme'));
    expect(parseCacheStatus(acme.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'stale-while-revalidate',
    });
    await a.background.drain();
    expect(requestsTo(kit, rowsOf('cust_acme'))).toHaveLength(1);
    expect(requestsTo(kit, '/api/v2/features')).toHaveLength(featurePages);
    const zenskar = await a.get(zenskarCustomer);
    expect(parseCacheStatus(zenskar.response.headers.get('cache-status'))).toMatchObject({ hit: true });
  });

  it('an override event whose impacted subscriptions come only as a download is treated as broad (catalogue dropped, customers outdated)', async () => {
    const a = await scope.gateway();
    await warm(a);
    scope.clock.advance(1000);

    const delivered = await deliver(a, {
      id: eventId(),
      object: 'event',
      event_type: 'entitlement_overrides_updated',
      content: {
        impacted_subscription: {
          count: 2500,
          download: {
            download_url: 'https://example.invalid/impacted.json',
            valid_till: 0,
            mime_type: 'application/json',
          },
        },
      },
    });

    expect(delivered.body).toMatchObject({ invalidatedCustomers: 0, catalogInvalidated: true });
    scope.clock.advance(1000);
    const outdated = await a.get(listOf('cust_acme'));
    expect(parseCacheStatus(outdated.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'stale-while-revalidate',
    });
  });

  it('Redis unreachable while invalidating: 503 with Retry-After so Chargebee redelivers; the redelivery is processed, not taken for a duplicate', async () => {
    const proxy = await startRedisProxy();
    const a = await scope.gateway({ redisUrl: proxy.url });
    await warm(a);
    const event = subscriptionEvent('c1', 's1');
    await proxy.cut();

    const failed = await deliver(a, event);
    expect(failed.status).toBe(503);
    expect(failed.response.headers.get('retry-after')).toBe('5');
    // The gateway's own shared cache failed, not the vendor: the problem says so.
    expect(failed.body).toMatchObject({ code: 'cache_unavailable' });
    expect(failed.body).not.toHaveProperty('vendor');
    // This instance's own memory copy is gone anyway.
    const reload = await a.get(listOf('c1'));
    expect(parseCacheStatus(reload.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });

    // The failed attempt released its claim on the event id: a redelivery is processed again (and
    // fails again while Redis is away), instead of being acknowledged as a duplicate.
    const retried = await deliver(a, event);
    expect(retried.status).toBe(503);

    // Redis is back (a new instance on the real Redis stands for the recovered one): processed.
    const b = await scope.gateway();
    const redelivered = await deliver(b, event);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body).toMatchObject({ duplicate: false, invalidatedCustomers: 1 });
    expect(await isCached('c1')).toBe(false);
  });
});

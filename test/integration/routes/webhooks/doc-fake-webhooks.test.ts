import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeVendor,
  gatewayCall,
  startFakeVendor,
  startProbeGateway,
} from '../../../support/doc-fake-stack';
import { createTestClock } from '../../../support/gateway';

/**
 * Webhooks as the vendors document them, signed here independently of the gateway's own helpers:
 * Paygentic through Svix (checked against Svix's published reference vector, then an envelope
 * `{eventType, eventId, timestamp, data}` signed with node:crypto), Chargebee with HTTP Basic
 * credentials and its documented event body. Each accepted event must drop the customer's cached
 * snapshot, which shows as a new vendor call on the next read.
 */

// Svix's documented example (docs.svix.com, "verifying manually"): secret, message id, timestamp,
// payload and the signature Svix computes for them.
const SVIX_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SVIX_VECTOR = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function svixSign(id: string, timestamp: number, body: string): string {
  const key = Buffer.from(SVIX_SECRET.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

const PAYGENTIC_KEY = 'sk_test_webhooks';
const CUSTOMER = 'cus_hooked';

describe('review probe: Paygentic webhooks (Svix)', () => {
  let vendor: FakeVendor;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;
  const clock = createTestClock(SVIX_VECTOR.timestamp * 1000);

  const listCalls = () => vendor.received.filter((request) => request.path === '/v1/entitlements').length;
  const deliver = (headers: Record<string, string>, body: string) =>
    gatewayCall(gateway.app, '/v1/webhooks/paygentic', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: '', ...headers },
      body,
    });

  beforeAll(async () => {
    vendor = await startFakeVendor((app) => {
      app.get('/v1/entitlements', (c) =>
        c.json({ object: 'list', data: [], pagination: { limit: 100, offset: 0, total: 0 } }),
      );
    });
    gateway = await startProbeGateway(
      {
        PAYGENTIC_API_KEY: PAYGENTIC_KEY,
        PAYGENTIC_BASE_URL: vendor.url,
        PAYGENTIC_WEBHOOK_SECRET: SVIX_SECRET,
        PAYGENTIC_CACHE_TTL_SECONDS: '600',
        CACHE_TTL_SECONDS: '600',
      },
      clock,
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  it("accepts Svix's reference signature (the body is not an event, so 400 invalid_webhook, not 401)", async () => {
    const result = await deliver(
      {
        'svix-id': SVIX_VECTOR.id,
        'svix-timestamp': String(SVIX_VECTOR.timestamp),
        'svix-signature': SVIX_VECTOR.signature,
      },
      SVIX_VECTOR.body,
    );
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'invalid_webhook' });
  });

  it('a subscription event drops the customer snapshot; a redelivery is a duplicate; tampering and old timestamps are 401', async () => {
    expect((await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements`)).status).toBe(200);
    const afterFirstRead = listCalls();
    await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements`);
    expect(listCalls()).toBe(afterFirstRead);

    const body = JSON.stringify({
      eventType: 'subscription.updated.v0',
      eventId: 'evt_probe1',
      timestamp: new Date(clock.now()).toISOString(),
      data: { id: 'sub_1', object: 'subscription', customerId: CUSTOMER, status: 'active' },
    });
    const timestamp = Math.floor(clock.now() / 1000);
    const headers = {
      'svix-id': 'msg_probe1',
      'svix-timestamp': String(timestamp),
      'svix-signature': svixSign('msg_probe1', timestamp, body),
    };
    const accepted = await deliver(headers, body);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ duplicate: false, invalidatedCustomers: 1 });
    await gatewayCall(gateway.app, `/v1/customers/${CUSTOMER}/entitlements`);
    expect(listCalls()).toBe(afterFirstRead + 1);

    const again = await deliver(headers, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true });

    const tampered = await deliver(headers, body.replace(CUSTOMER, 'cus_other'));
    expect(tampered.status).toBe(401);
    const old = timestamp - 6 * 60;
    const stale = await deliver(
      {
        'svix-id': 'msg_probe2',
        'svix-timestamp': String(old),
        'svix-signature': svixSign('msg_probe2', old, body),
      },
      body,
    );
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: 'webhook_verification_failed' });
  });
});

describe('review probe: Chargebee webhooks (Basic auth)', () => {
  let vendor: FakeVendor;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
  const listCalls = () =>
    vendor.received.filter((request) => request.path.endsWith('/customer_entitlements')).length;
  const deliver = (authorization: string, event: Record<string, unknown>) =>
    gatewayCall(gateway.app, '/v1/webhooks/chargebee', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(event),
    });
  const event = (id: string, eventType: string, content: Record<string, unknown>) => ({
    id,
    occurred_at: 1_700_000_000,
    source: 'admin_console',
    object: 'event',
    api_version: 'v2',
    event_type: eventType,
    webhook_status: 'scheduled',
    content,
  });

  beforeAll(async () => {
    vendor = await startFakeVendor((app) => {
      app.get('/api/v2/features', (c) => c.json({ list: [] }));
      app.get('/api/v2/customers/:id/customer_entitlements', (c) =>
        c.json({
          list: [
            {
              customer_entitlement: {
                customer_id: c.req.param('id'),
                subscription_id: 's1',
                feature_id: 'seats',
                value: '5',
                name: '5 seats',
                is_enabled: true,
                object: 'customer_entitlement',
              },
            },
          ],
        }),
      );
    });
    gateway = await startProbeGateway({
      CHARGEBEE_API_KEY: 'cb_key',
      CHARGEBEE_BASE_URL: `${vendor.url}/api/v2`,
      CHARGEBEE_ENTITLEMENT_SOURCE: 'customer_entitlements',
      CHARGEBEE_WEBHOOK_USERNAME: 'hook-user',
      CHARGEBEE_WEBHOOK_PASSWORD: 'hook-password-123',
      CACHE_TTL_SECONDS: '600',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  it('subscription_changed for c1 drops its snapshot; wrong credentials are 401', async () => {
    await gatewayCall(gateway.app, '/v1/customers/c1/entitlements');
    const before = listCalls();
    const changed = event('ev_probe_1', 'subscription_changed', {
      subscription: { id: 's1', customer_id: 'c1', status: 'active', resource_version: 1 },
      customer: { id: 'c1' },
    });
    const denied = await deliver(basic('hook-user', 'wrong'), changed);
    expect(denied.status).toBe(401);
    expect(denied.body).toMatchObject({ code: 'webhook_verification_failed' });
    const accepted = await deliver(basic('hook-user', 'hook-password-123'), changed);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ eventId: 'ev_probe_1', invalidatedCustomers: 1, duplicate: false });
    await gatewayCall(gateway.app, '/v1/customers/c1/entitlements');
    expect(listCalls()).toBe(before + 1);
  });

  it('customer_entitlements_updated with only a download link is treated as broad', async () => {
    const result = await deliver(
      basic('hook-user', 'hook-password-123'),
      event('ev_probe_2', 'customer_entitlements_updated', {
        impacted_customer: {
          action_type: 'updated',
          download: {
            download_url: 'https://example.invalid/x',
            valid_till: 1_700_003_600,
            mime_type: 'text/plain',
          },
        },
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ catalogInvalidated: true });
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../../schemas/webhook';
import {
  type GatewayInstance,
  parseCacheStatus,
  requestsTo,
  useRouteCacheScope,
  WEBHOOK_CREDENTIALS,
} from '../../../support/route-cache-fixture';

/**
 * `POST /v1/webhooks/paygentic`: Svix-signed deliveries (signature computed here from the Svix spec,
 * independently of the gateway's verifier), the 5-minute timestamp tolerance that stops replays,
 * event-id de-duplication and the customer the event names being the only one invalidated.
 */

const ENV = { CACHE_TTL_SECONDS: '300', PAYGENTIC_CACHE_TTL_SECONDS: '120', CACHE_STALE_SECONDS: '600' };
const ACME = 'cus_demoAcme';
const LAPSED = 'cus_demoLapsed';

const scope = useRouteCacheScope('webhooks-paygentic', { env: ENV });

const listOf = (customerId: string) => `/v1/customers/${customerId}/entitlements?vendor=paygentic`;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${scope.tenantId.replace(/-/g, '')}${++counter}`;

/** Svix: base64 HMAC-SHA256 keyed with the base64-decoded `whsec_` secret over `id.timestamp.body`. */
function svixSignature(id: string, timestampSeconds: number, body: string, secret: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

interface Delivery {
  body: string;
  svixId: string;
  /** Seconds; default the gateway scope.clock's now. */
  timestamp?: number;
  secret?: string;
  signature?: string;
}

function deliver(instance: GatewayInstance, delivery: Delivery) {
  const timestamp = delivery.timestamp ?? Math.floor(scope.clock.now() / 1000);
  const signature =
    delivery.signature ??
    svixSignature(
      delivery.svixId,
      timestamp,
      delivery.body,
      delivery.secret ?? WEBHOOK_CREDENTIALS.paygentic.secret,
    );
  return instance.post('/v1/webhooks/paygentic', delivery.body, {
    'svix-id': delivery.svixId,
    'svix-timestamp': String(timestamp),
    'svix-signature': signature,
  });
}

function subscriptionUpdated(customerId: string, eventId = unique('evt')) {
  return {
    eventId,
    body: JSON.stringify({
      eventType: 'subscription.updated.v0',
      eventId,
      timestamp: new Date(scope.clock.now()).toISOString(),
      data: { id: 'sub_acmeGrowth', object: 'subscription', customerId, status: 'active' },
    }),
  };
}

async function warm(instance: GatewayInstance): Promise<void> {
  for (const customerId of [ACME, LAPSED]) expect((await instance.get(listOf(customerId))).status).toBe(200);
  scope.simulators.simulators.paygentic.kit.reset();
}

const isCached = async (customerId: string) =>
  (await scope.redis.entry('paygentic', 'snapshot', customerId)) !== undefined;

describe('Paygentic (Svix) webhooks', () => {
  it('a correctly signed subscription.updated.v0 invalidates exactly the customer it names', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = subscriptionUpdated(ACME);

    const delivered = await deliver(a, { body: event.body, svixId: unique('msg') });

    expect(delivered.status).toBe(200);
    expect(WebhookReceiptSchema.parse(delivered.body)).toEqual({
      object: 'webhook_receipt',
      vendor: 'paygentic',
      eventId: event.eventId,
      eventType: 'subscription.updated.v0',
      duplicate: false,
      invalidatedCustomers: 1,
      catalogInvalidated: false,
    });
    expect(await isCached(ACME)).toBe(false);
    expect(await isCached(LAPSED)).toBe(true);
    const kit = scope.simulators.simulators.paygentic.kit;
    expect(kit.recorded).toHaveLength(0);

    const reloaded = await a.get(listOf(ACME));
    const untouched = await a.get(listOf(LAPSED));
    expect(parseCacheStatus(reloaded.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    expect(parseCacheStatus(untouched.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    const loads = requestsTo(kit, '/v1/entitlements');
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.every((request) => request.query['customerId']?.[0] === ACME)).toBe(true);
  });

  it('the simulator-made subscription.cancelled.v0 is accepted and the reload shows the cancellation', async () => {
    const a = await scope.gateway();
    await warm(a);
    const before = (await a.get(listOf(ACME))).body.data?.find((row) => row['featureKey'] === 'sso_enabled');
    expect(before?.['hasAccess']).toBe(true);
    const event = scope.simulators.simulators.paygentic.store.cancelSubscription(
      'sub_acmeGrowth',
      new Date(Date.now() - 60_000).toISOString(),
    );
    const body = JSON.stringify({ ...event, eventId: unique(event.eventId.replace(/[^A-Za-z0-9]/g, '')) });

    const delivered = await deliver(a, { body, svixId: unique('msg') });

    expect(delivered.body).toMatchObject({ eventType: 'subscription.cancelled.v0', invalidatedCustomers: 1 });
    // SSO came from the growth subscription (the legacy one was canceled already): access is gone.
    const after = (await a.get(listOf(ACME))).body.data?.find((row) => row['featureKey'] === 'sso_enabled');
    expect(after).toMatchObject({ hasAccess: false });
    expect(await isCached(LAPSED)).toBe(true);
  });

  it('a bad signature, a signature made with another secret, or missing Svix headers: 401, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = subscriptionUpdated(ACME);
    const otherSecret = `whsec_${Buffer.from('another-endpoint-secret').toString('base64')}`;

    const attempts = [
      deliver(a, { body: event.body, svixId: unique('msg'), secret: otherSecret }),
      deliver(a, {
        body: event.body,
        svixId: unique('msg'),
        signature: 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
      // Signed for one body, delivered with another (tampered).
      deliver(a, {
        body: subscriptionUpdated(LAPSED).body,
        svixId: 'msg_fixed',
        signature: svixSignature(
          'msg_fixed',
          Math.floor(scope.clock.now() / 1000),
          event.body,
          WEBHOOK_CREDENTIALS.paygentic.secret,
        ),
      }),
      a.post('/v1/webhooks/paygentic', event.body),
    ];
    for (const rejected of await Promise.all(attempts)) {
      expect(rejected.status).toBe(401);
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({
        code: 'webhook_verification_failed',
        vendor: 'paygentic',
      });
    }
    expect(await isCached(ACME)).toBe(true);
    expect(await isCached(LAPSED)).toBe(true);
  });

  it('a replayed message whose Svix timestamp is more than 5 minutes old (or ahead) is refused with 401, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = subscriptionUpdated(ACME);
    const now = Math.floor(scope.clock.now() / 1000);

    const replayed = await deliver(a, { body: event.body, svixId: unique('msg'), timestamp: now - 301 });
    const early = await deliver(a, { body: event.body, svixId: unique('msg'), timestamp: now + 301 });

    for (const rejected of [replayed, early]) {
      expect(rejected.status).toBe(401);
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({ code: 'webhook_verification_failed' });
    }
    expect(await isCached(ACME)).toBe(true);
    // Within the tolerance the very same body is accepted (the refusal was about the timestamp only).
    const fresh = await deliver(a, { body: event.body, svixId: unique('msg'), timestamp: now - 299 });
    expect(fresh.status).toBe(200);
    expect(await isCached(ACME)).toBe(false);
  });

  it('a redelivered event (same event id, new Svix attempt) is a duplicate: 200 duplicate:true, nothing invalidated again', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    await warm(a);
    const event = subscriptionUpdated(ACME);
    const svixId = unique('msg');
    expect((await deliver(a, { body: event.body, svixId })).body).toMatchObject({ duplicate: false });
    await a.get(listOf(ACME));
    const kit = scope.simulators.simulators.paygentic.kit;
    kit.reset();

    // Svix retries five seconds later, with the same message id and body and a new timestamp.
    scope.clock.advance(5000);
    for (const instance of [a, b]) {
      const again = await deliver(instance, { body: event.body, svixId });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ eventId: event.eventId, duplicate: true, invalidatedCustomers: 0 });
    }
    expect(await isCached(ACME)).toBe(true);
    const cached = await a.get(listOf(ACME));
    expect(parseCacheStatus(cached.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(kit.recorded).toHaveLength(0);
  });

  it('malformed JSON with a valid signature: 400 invalid_webhook, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);

    for (const body of [
      '{"eventType":"subscription.updated.v0","eventId":',
      '{"eventType":"subscription.updated.v0"}',
    ]) {
      const rejected = await deliver(a, { body, svixId: unique('msg') });
      expect(rejected.status).toBe(400);
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({
        code: 'invalid_webhook',
        vendor: 'paygentic',
      });
    }
    expect(await isCached(ACME)).toBe(true);
  });
});

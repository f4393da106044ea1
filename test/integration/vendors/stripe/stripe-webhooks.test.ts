import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeSignature as signed } from '../../../../adapters/stripe/test-kit';
import { EntitlementListSchema } from '../../../../schemas/page';
import { WebhookReceiptSchema } from '../../../../schemas/webhook';
import { expectProblem } from '../../../shared/route-suite-target';
import { createTestClock, TEST_KEY } from '../../../support/gateway';
import { type GatewayStack, startGatewayStack } from '../../../support/gateway-stack';
import { listRequests, stripeSeed, stripeSuiteEnv } from './stripe-support';

/**
 * `POST /v1/webhooks/stripe`: `Stripe-Signature` deliveries (signatures computed with node:crypto
 * from Stripe's scheme, independently of the gateway's verifier), the 300 s tolerance that stops
 * replays of captured deliveries, event-id de-duplication, and the summary event invalidating
 * exactly the customer it names.
 */

const clock = createTestClock(Date.parse('2026-06-01T12:00:00Z'));
let stack: GatewayStack;
/** The endpoint secret the stack configured (`webhooks: true`). */
let secret: string;

beforeAll(async () => {
  stack = await startGatewayStack({
    simulators: { stripe: stripeSeed },
    apiKey: TEST_KEY,
    webhooks: true,
    clock,
    env: stripeSuiteEnv,
  });
  secret = stack.webhookSecrets().stripe.secret;
});
afterAll(async () => {
  await stack.close();
});

const nowSeconds = () => Math.floor(clock.now() / 1000);

function stripeSignature(body: string, timestamp: number, key = secret): string {
  return signed(body, timestamp, key);
}

/** Posts a delivery with exactly this `Stripe-Signature` header. */
const deliver = (body: string, { header }: { header: string }) =>
  stack.deliverWebhook('stripe', body, { headers: { 'stripe-signature': header } });

async function featureKeys(customerId: string): Promise<string[]> {
  const response = await stack.call(`/v1/customers/${customerId}/entitlements?vendor=stripe`);
  expect(response.status).toBe(200);
  return EntitlementListSchema.parse(await response.json()).data.map((entitlement) => entitlement.featureKey);
}

async function receipt(response: Response) {
  expect(response.status).toBe(200);
  return WebhookReceiptSchema.parse(await response.json());
}

describe('Stripe webhooks through the route', () => {
  it('a valid summary event invalidates its customer: the next read asks Stripe and sees the change; a replay is a duplicate', async () => {
    expect(await featureKeys('cus_demoStarter')).toEqual(['api_access']);
    expect(await featureKeys('cus_demoAcme')).toHaveLength(4);
    const event = stack.simulators.stripe.store.grant('cus_demoStarter', 'feat_demoSso');
    // Cached: without the webhook the gateway does not know yet.
    expect(await featureKeys('cus_demoStarter')).toEqual(['api_access']);
    stack.simulators.stripe.kit.reset();

    const body = JSON.stringify(event);
    expect(await receipt(await deliver(body, { header: stripeSignature(body, nowSeconds()) }))).toMatchObject(
      {
        vendor: 'stripe',
        eventId: event.id,
        eventType: 'entitlements.active_entitlement_summary.updated',
        duplicate: false,
        invalidatedCustomers: 1,
      },
    );
    expect(await featureKeys('cus_demoStarter')).toEqual(['api_access', 'sso']);
    expect(listRequests(stack.simulators.stripe, 'cus_demoStarter')).toHaveLength(1);
    // Another customer's snapshot was left alone.
    await featureKeys('cus_demoAcme');
    expect(listRequests(stack.simulators.stripe, 'cus_demoAcme')).toHaveLength(0);

    // Stripe delivers again (same event id, freshly signed): acknowledged, nothing invalidated.
    stack.simulators.stripe.kit.reset();
    expect(
      await receipt(await deliver(body, { header: stripeSignature(body, nowSeconds() + 1) })),
    ).toMatchObject({
      duplicate: true,
      invalidatedCustomers: 0,
    });
    await featureKeys('cus_demoStarter');
    expect(listRequests(stack.simulators.stripe)).toHaveLength(0);
  });

  it('any matching v1 among several is accepted (a secret being rolled)', async () => {
    const body = JSON.stringify(stack.simulators.stripe.store.revoke('cus_demoStarter', 'sso'));
    const t = nowSeconds();
    const header = `t=${t},v1=${createHmac('sha256', 'whsec_old').update(`${t}.${body}`).digest('hex')},v1=${stripeSignature(body, t).split('v1=')[1]}`;
    expect(await receipt(await deliver(body, { header }))).toMatchObject({
      duplicate: false,
      invalidatedCustomers: 1,
    });
  });

  it.each([
    ['a wrong signature', (body: string) => stripeSignature(body, nowSeconds(), 'whsec_notTheSecret')],
    ['a signature over another body', (body: string) => stripeSignature(`${body} `, nowSeconds())],
    ['a timestamp 301 s old', (body: string) => stripeSignature(body, nowSeconds() - 301)],
    ['a timestamp 301 s ahead', (body: string) => stripeSignature(body, nowSeconds() + 301)],
    ['no v1', (_body: string) => `t=${nowSeconds()}`],
    ['an empty header', (_body: string) => ''],
  ])('%s is refused with 401 webhook_verification_failed and invalidates nothing', async (_label, sign) => {
    await featureKeys('cus_demoAcme');
    stack.simulators.stripe.kit.reset();
    const body = JSON.stringify({
      id: `evt_refused${Math.random().toString(36).slice(2)}`,
      object: 'event',
      type: 'entitlements.active_entitlement_summary.updated',
      data: { object: { object: 'entitlements.active_entitlement_summary', customer: 'cus_demoAcme' } },
    });
    await expectProblem(await deliver(body, { header: sign(body) }), 401, 'webhook_verification_failed');
    await featureKeys('cus_demoAcme');
    expect(listRequests(stack.simulators.stripe)).toHaveLength(0);
  });

  it('a captured delivery replayed more than 300 s later is refused although its signature is genuine', async () => {
    const body = JSON.stringify({
      id: 'evt_captured',
      object: 'event',
      type: 'entitlements.active_entitlement_summary.updated',
      data: { object: { customer: 'cus_demoAcme' } },
    });
    const captured = stripeSignature(body, nowSeconds());
    clock.advance(301_000);
    await expectProblem(await deliver(body, { header: captured }), 401, 'webhook_verification_failed');
    // Never processed, so a fresh genuine delivery of that event is not a duplicate.
    expect(await receipt(await deliver(body, { header: stripeSignature(body, nowSeconds()) }))).toMatchObject(
      {
        duplicate: false,
      },
    );
  });

  it('other event types are acknowledged and invalidate nobody; a signed body that is not an event is 400 invalid_webhook', async () => {
    const other = JSON.stringify({
      id: 'evt_other',
      object: 'event',
      type: 'customer.subscription.updated',
      data: { object: { customer: 'cus_demoAcme' } },
    });
    expect(
      await receipt(await deliver(other, { header: stripeSignature(other, nowSeconds()) })),
    ).toMatchObject({
      eventType: 'customer.subscription.updated',
      invalidatedCustomers: 0,
    });
    const notAnEvent = JSON.stringify({ hello: 'world' });
    await expectProblem(
      await deliver(notAnEvent, { header: stripeSignature(notAnEvent, nowSeconds()) }),
      400,
      'invalid_webhook',
    );
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../kit';
import { createStripeSimulator } from './simulator';
import { signStripePayload, verifyStripeSignature, verifyStripeWebhook } from './webhook-signature';
import { resolveStripeWebhook, stripeEntitlementSummaryUpdated } from './webhooks';

const secret = 'whsec_test_c2VjcmV0LWZvci10ZXN0cw';
const nowMs = Date.parse('2026-06-01T12:00:00Z');
const nowSeconds = nowMs / 1000;
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: stripeEntitlementSummaryUpdated });

/** Stripe's scheme computed independently (node:crypto), so the test does not trust the code under test. */
function v1(timestamp: number, payload: string, key = secret): string {
  return createHmac('sha256', key).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
}

describe('stripe webhook signature', () => {
  it('accepts a delivery signed with the secret as-is over "<t>.<raw body>"', async () => {
    const header = `t=${nowSeconds},v1=${v1(nowSeconds, body)}`;
    expect(await verifyStripeSignature(header, body, secret, nowMs)).toEqual({ ok: true });
    // The helper the sandbox and the route tests sign with produces exactly that header.
    expect(await signStripePayload(body, secret, nowSeconds)).toBe(header);
  });

  it('refuses a wrong signature, a tampered body, another secret and a base64-decoded secret', async () => {
    const good = v1(nowSeconds, body);
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    expect(await verifyStripeSignature(`t=${nowSeconds},v1=${flipped}`, body, secret, nowMs)).toEqual({
      ok: false,
      failure: 'bad_signature',
    });
    expect(
      await verifyStripeSignature(`t=${nowSeconds},v1=${good}`, `${body} `, secret, nowMs),
    ).toMatchObject({
      ok: false,
    });
    expect(
      await verifyStripeSignature(
        `t=${nowSeconds},v1=${v1(nowSeconds, body, 'whsec_other')}`,
        body,
        secret,
        nowMs,
      ),
    ).toMatchObject({ ok: false });
    // Svix-style keying (base64 part of the secret, decoded) is not Stripe's.
    const svixKey = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const svixStyle = createHmac('sha256', svixKey).update(`${nowSeconds}.${body}`).digest('hex');
    expect(await verifyStripeSignature(`t=${nowSeconds},v1=${svixStyle}`, body, secret, nowMs)).toMatchObject(
      {
        ok: false,
      },
    );
  });

  it('refuses a timestamp that is not the one signed', async () => {
    const header = `t=${nowSeconds + 1},v1=${v1(nowSeconds, body)}`;
    expect(await verifyStripeSignature(header, body, secret, nowMs)).toEqual({
      ok: false,
      failure: 'bad_signature',
    });
  });

  it('accepts |now − t| up to 300 s and refuses beyond, in the past and in the future', async () => {
    for (const offset of [-300, 300]) {
      const t = nowSeconds + offset;
      expect(await verifyStripeSignature(`t=${t},v1=${v1(t, body)}`, body, secret, nowMs)).toEqual({
        ok: true,
      });
    }
    for (const offset of [-301, 301]) {
      const t = nowSeconds + offset;
      expect(await verifyStripeSignature(`t=${t},v1=${v1(t, body)}`, body, secret, nowMs)).toEqual({
        ok: false,
        failure: 'stale_timestamp',
      });
    }
  });

  it('a captured delivery replayed later than the tolerance is refused although its signature is genuine', async () => {
    const header = `t=${nowSeconds},v1=${v1(nowSeconds, body)}`;
    expect(await verifyStripeSignature(header, body, secret, nowMs)).toEqual({ ok: true });
    expect(await verifyStripeSignature(header, body, secret, nowMs + 301_000)).toEqual({
      ok: false,
      failure: 'stale_timestamp',
    });
  });

  it('accepts when any of several v1 signatures matches (secret roll), and ignores v0 and unknown schemes', async () => {
    const rolled = `t=${nowSeconds},v1=${v1(nowSeconds, body, 'whsec_old')},v1=${v1(nowSeconds, body)},v0=abc,v9=zz`;
    expect(await verifyStripeSignature(rolled, body, secret, nowMs)).toEqual({ ok: true });
    const onlyV0 = `t=${nowSeconds},v0=${v1(nowSeconds, body)}`;
    expect(await verifyStripeSignature(onlyV0, body, secret, nowMs)).toEqual({
      ok: false,
      failure: 'malformed_header',
    });
  });

  it.each([
    ['absent', undefined, 'missing_header'],
    ['empty', '', 'missing_header'],
    ['no timestamp', `v1=${'0'.repeat(64)}`, 'malformed_header'],
    ['a non-numeric timestamp', `t=soon,v1=${'0'.repeat(64)}`, 'malformed_header'],
    [
      'two different timestamps',
      `t=${nowSeconds},t=${nowSeconds - 1},v1=${'0'.repeat(64)}`,
      'malformed_header',
    ],
    ['no v1', `t=${nowSeconds}`, 'malformed_header'],
    ['a v1 that is not hex', `t=${nowSeconds},v1=not-hex`, 'bad_signature'],
  ])('refuses a header with %s', async (_label, header, failure) => {
    expect(await verifyStripeSignature(header, body, secret, nowMs)).toEqual({ ok: false, failure });
  });

  it('reads Stripe-Signature from the delivery for the module’s verify()', async () => {
    const headers = new Headers({ 'Stripe-Signature': `t=${nowSeconds},v1=${v1(nowSeconds, body)}` });
    const delivery = { header: (name: string) => headers.get(name) ?? undefined, rawBody: body, now: nowMs };
    expect(await verifyStripeWebhook(delivery, { secret })).toEqual({ verified: true });
    expect(await verifyStripeWebhook(delivery, { secret: 'whsec_other' })).toEqual({
      verified: false,
      reason: 'bad_signature',
    });
  });
});

describe('stripe webhook events', () => {
  const event = (type: string, object: unknown, id = 'evt_1') => ({
    id,
    object: 'event',
    type,
    created: 1,
    data: { object },
  });

  it('entitlements.active_entitlement_summary.updated concerns data.object.customer', () => {
    expect(
      resolveStripeWebhook(
        event(stripeEntitlementSummaryUpdated, {
          object: 'entitlements.active_entitlement_summary',
          customer: 'cus_abc',
          entitlements: { object: 'list', data: [], has_more: false },
        }),
      ),
    ).toEqual({
      eventId: 'evt_1',
      eventType: stripeEntitlementSummaryUpdated,
      customerIds: ['cus_abc'],
      catalogChanged: false,
    });
  });

  it('the simulator’s summary event resolves to the customer it changed', () => {
    const simulator = createStripeSimulator({ now: () => nowMs });
    const granted = simulator.store.grant('cus_demoStarter', 'feat_demoSso');
    expect(resolveStripeWebhook(JSON.parse(JSON.stringify(granted)))).toMatchObject({
      eventId: granted.id,
      customerIds: ['cus_demoStarter'],
    });
  });

  it.each([
    'customer.subscription.updated',
    'invoice.paid',
    'entitlements.active_entitlement_summary.created',
  ])('%s concerns nobody, even when it names a customer', (type) => {
    expect(resolveStripeWebhook(event(type, { customer: 'cus_abc' }))).toEqual({
      eventId: 'evt_1',
      eventType: type,
      customerIds: [],
      catalogChanged: false,
    });
  });

  it('a summary naming no usable customer concerns nobody instead of failing (a 4xx would only make Stripe retry)', () => {
    for (const object of [null, {}, { customer: null }, { customer: 42 }, { customer: 'not-a-customer' }]) {
      expect(resolveStripeWebhook(event(stripeEntitlementSummaryUpdated, object)).customerIds).toEqual([]);
    }
    expect(
      resolveStripeWebhook(event(stripeEntitlementSummaryUpdated, { customer: { id: 'cus_obj' } }))
        .customerIds,
    ).toEqual(['cus_obj']);
  });

  it('a repeated delivery resolves to the same event id, which is what the gateway drops duplicates by', () => {
    const first = resolveStripeWebhook(
      event(stripeEntitlementSummaryUpdated, { customer: 'cus_abc' }, 'evt_same'),
    );
    const again = resolveStripeWebhook(
      event(stripeEntitlementSummaryUpdated, { customer: 'cus_abc' }, 'evt_same'),
    );
    expect(again.eventId).toBe(first.eventId);
  });

  it.each([
    ['not an object', 'text'],
    ['no id', { type: stripeEntitlementSummaryUpdated, data: {} }],
    ['an empty type', { id: 'evt_1', type: '', data: {} }],
  ])('a body with %s is invalid_webhook', (_label, payload) => {
    expect(() => resolveStripeWebhook(payload)).toThrow(AdapterError);
    try {
      resolveStripeWebhook(payload);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_webhook', vendor: 'stripe' });
    }
  });
});

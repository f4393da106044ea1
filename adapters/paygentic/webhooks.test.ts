import { describe, expect, it } from 'vitest';
import type { UpstreamClient } from '../kit';
import { AdapterError } from '../kit';
import { createPaygenticAdapter } from './adapter';
import { createPaygenticSimulator } from './simulator';
import { resolvePaygenticWebhook } from './webhooks';

const envelope = (eventType: string, data: unknown, eventId = 'evt_1') => ({
  eventType,
  eventId,
  timestamp: '2026-06-01T12:00:00Z',
  data,
});

describe('resolvePaygenticWebhook', () => {
  it.each([
    'subscription.created.v0',
    'subscription.updated.v0',
    'subscription.cancelled.v0',
    'customer.created.v0',
    'customer.creation_failed.v0',
  ])('%s concerns data.customerId', (eventType) => {
    expect(resolvePaygenticWebhook(envelope(eventType, { id: 'sub_1', customerId: 'cus_abc' }))).toEqual({
      eventId: 'evt_1',
      eventType,
      customerIds: ['cus_abc'],
      catalogChanged: false,
    });
  });

  it('tolerates data.customer.id and data.customer_id, and lists a customer once', () => {
    expect(
      resolvePaygenticWebhook(
        envelope('subscription.updated.v0', { customer: { id: 'cus_nested', name: 'N' } }),
      ).customerIds,
    ).toEqual(['cus_nested']);
    expect(
      resolvePaygenticWebhook(envelope('customer.created.v0', { customer_id: 'cus_snake' })).customerIds,
    ).toEqual(['cus_snake']);
    expect(
      resolvePaygenticWebhook(
        envelope('subscription.updated.v0', { customerId: 'cus_same', customer: { id: 'cus_same' } }),
      ).customerIds,
    ).toEqual(['cus_same']);
  });

  it.each([
    'source.activated.v0',
    'source.activation_failed.v0',
    'source.disconnected.v0',
    'source_event.pending.v0',
    'invoice.paid.v0',
  ])('%s concerns nobody', (eventType) => {
    const targets = resolvePaygenticWebhook(envelope(eventType, { customerId: 'cus_abc' }));
    expect(targets).toEqual({ eventId: 'evt_1', eventType, customerIds: [], catalogChanged: false });
  });

  it('a customer event with no usable customer id resolves to nobody instead of failing', () => {
    for (const data of [
      null,
      {},
      { customerId: 42 },
      { customerId: 'not-a-customer' },
      { customer: 'cus_x' },
      'text',
    ]) {
      expect(resolvePaygenticWebhook(envelope('subscription.updated.v0', data)).customerIds).toEqual([]);
    }
  });

  it.each([
    ['no eventId', { eventType: 'subscription.updated.v0', data: { customerId: 'cus_abc' } }],
    ['an empty eventId', { eventId: '', eventType: 'subscription.updated.v0', data: {} }],
    ['no eventType', { eventId: 'evt_1', data: { customerId: 'cus_abc' } }],
    ['a numeric eventType', { eventId: 'evt_1', eventType: 7, data: {} }],
    ['not an object', 'subscription.updated.v0'],
    ['null', null],
  ])('%s → invalid_webhook', (_case, body) => {
    let caught: unknown;
    try {
      resolvePaygenticWebhook(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AdapterError);
    expect(caught).toMatchObject({ code: 'invalid_webhook', status: 400, vendor: 'paygentic' });
  });

  it('the adapter resolves the event the simulator emits for a cancellation, without calling Paygentic', async () => {
    const simulator = createPaygenticSimulator();
    const event = simulator.store.cancelSubscription('sub_acmeGrowth', '2026-06-01T12:00:00Z');
    const calls: string[] = [];
    const upstream: UpstreamClient = {
      async requestJson(request) {
        calls.push(request.url);
        throw new Error('no vendor call expected');
      },
    };
    const adapter = createPaygenticAdapter({
      connection: { baseUrl: 'http://paygentic.invalid', apiKey: 'sk_test_x' },
      upstream,
      connectionKey: 'test',
      clock: { now: () => 0 },
    });
    const targets = await adapter.resolveWebhook?.(JSON.parse(JSON.stringify(event)), {
      remember: async (_namespace, _key, load) => load(),
    });
    expect(targets).toEqual({
      eventId: event.eventId,
      eventType: 'subscription.cancelled.v0',
      customerIds: ['cus_demoAcme'],
      catalogChanged: false,
    });
    expect(calls).toEqual([]);
  });
});

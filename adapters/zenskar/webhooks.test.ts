import { describe, expect, it } from 'vitest';
import { resolveZenskarWebhook } from './webhooks';

const CUSTOMER_A = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const CUSTOMER_B = '4d01d4dd-1e55-4c61-9999-9ee36847163b';

describe('zenskar webhook resolution', () => {
  it('reads id, event and data.customer_id', () => {
    expect(
      resolveZenskarWebhook({
        id: 'evt_1',
        event: 'usage_limit_exceeded',
        data: { customer_id: CUSTOMER_A },
      }),
    ).toEqual({
      eventId: 'evt_1',
      eventType: 'usage_limit_exceeded',
      customerIds: [CUSTOMER_A],
      catalogChanged: false,
    });
  });

  it('reads event_id, event_type and a nested customer object', () => {
    expect(
      resolveZenskarWebhook({
        event_id: 42,
        event_type: 'customer.updated',
        data: { customer: { id: CUSTOMER_B, name: 'Globex' } },
      }),
    ).toMatchObject({ eventId: '42', eventType: 'customer.updated', customerIds: [CUSTOMER_B] });
  });

  it('reads eventId, type, a customer string and a top-level customer_id, each customer once', () => {
    expect(
      resolveZenskarWebhook({
        eventId: 'e-3',
        type: 'customer_deleted',
        customer_id: CUSTOMER_A,
        data: { customer: CUSTOMER_B, customer_id: CUSTOMER_A },
      }),
    ).toMatchObject({ eventId: 'e-3', eventType: 'customer_deleted', customerIds: [CUSTOMER_A, CUSTOMER_B] });
  });

  it('prefers id over event_id and event over type when several are present', () => {
    expect(resolveZenskarWebhook({ id: 'first', event_id: 'second', event: 'a', type: 'b' })).toMatchObject({
      eventId: 'first',
      eventType: 'a',
    });
  });

  it('ignores customer values that cannot be Zenskar customer ids', () => {
    expect(
      resolveZenskarWebhook({
        id: 'e',
        data: { customer_id: 'not-a-uuid', customer: { id: 7 } },
        customer_id: '',
      }),
    ).toMatchObject({ customerIds: [], eventType: 'unknown' });
  });

  it('flags an entitlement event that concerns no customer as a catalogue change', () => {
    expect(
      resolveZenskarWebhook({ id: 'e', event: 'entitlement.updated', data: { id: 'def' } }).catalogChanged,
    ).toBe(true);
    expect(
      resolveZenskarWebhook({ id: 'e', event: 'entitlement.granted', data: { customer_id: CUSTOMER_A } })
        .catalogChanged,
    ).toBe(false);
  });

  it('rejects a body with no event id as invalid_webhook', () => {
    for (const body of [
      { event: 'x', data: { customer_id: CUSTOMER_A } },
      { id: '' },
      { id: null },
      null,
      'text',
      [1],
    ]) {
      expect(() => resolveZenskarWebhook(body)).toThrow(
        expect.objectContaining({ code: 'invalid_webhook', vendor: 'zenskar' }),
      );
    }
  });
});

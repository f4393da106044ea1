import { describe, expect, it } from 'vitest';
import { createInProcessTransport } from '../../src/http/in-process-transport';
import { createUpstreamClient } from '../../src/http/upstream-client';
import type { LoadContext, WebhookTargets } from '../kit';
import { AdapterError } from '../kit';
import { createChargebeeAdapter } from './adapter';
import { chargebeeSandboxCredentials } from './fixtures';
import { createChargebeeSimulator } from './simulator';
import { MAX_SUBSCRIPTION_LOOKUPS, resolveChargebeeWebhook } from './webhooks';

const origin = 'http://chargebee.test';

/** The adapter in front of an in-process simulator, as in sandbox mode. */
function setup() {
  const simulator = createChargebeeSimulator();
  const adapter = createChargebeeAdapter({
    connection: {
      baseUrl: `${origin}/api/v2`,
      site: chargebeeSandboxCredentials.site,
      apiKey: chargebeeSandboxCredentials.apiKey,
      entitlementSource: 'auto',
      consolidateEntitlements: false,
    },
    upstream: createUpstreamClient({ transport: createInProcessTransport({ [origin]: simulator.app }) }),
    connectionKey: 'tenant-a:chargebee',
    clock: { now: () => Date.now() },
  });
  const context: LoadContext = {
    remember: async (_namespace, _key, load) => load(),
  };
  const resolve = (body: unknown): Promise<WebhookTargets> => {
    if (!adapter.resolveWebhook) throw new Error('resolveWebhook missing');
    return adapter.resolveWebhook(body, context);
  };
  const lookups = () => simulator.kit.recorded.map((request) => request.path);
  return { simulator, resolve, lookups };
}

function event(eventType: string, content: Record<string, unknown>, id = 'ev_16BHbhF4s42tO2lK') {
  return {
    id,
    occurred_at: 1_700_000_000,
    source: 'admin_console',
    object: 'event',
    api_version: 'v2',
    event_type: eventType,
    webhook_status: 'scheduled',
    content,
  };
}

describe('Chargebee webhooks', () => {
  it.each([
    'subscription_created',
    'subscription_activated',
    'subscription_changed',
    'subscription_cancelled',
    'subscription_canceled_with_backdating',
    'subscription_reactivated',
    'subscription_paused',
    'subscription_resumed',
    'subscription_deleted',
    'subscription_renewed',
    'subscription_changed_with_backdating',
  ])('%s → the subscription customer, no vendor call', async (eventType) => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event(eventType, {
        subscription: { id: 's1', customer_id: 'c1', status: 'active' },
        customer: { id: 'c1' },
      }),
    );
    expect(targets).toEqual({
      eventId: 'ev_16BHbhF4s42tO2lK',
      eventType,
      customerIds: ['c1'],
      catalogChanged: false,
    });
    expect(lookups()).toEqual([]);
  });

  it('a subscription event without subscription.customer_id falls back to content.customer.id', async () => {
    const { resolve } = setup();
    const targets = await resolve(
      event('subscription_started', { subscription: { id: 's1' }, customer: { id: 'c9' } }),
    );
    expect(targets.customerIds).toEqual(['c9']);
  });

  it('subscription_entitlements_updated → the detail subscription, whose customer is looked up', async () => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event('subscription_entitlements_updated', {
        subscription_entitlements_updated_detail: { subscription_id: 'sub_acme_addons', has_next: false },
      }),
    );
    expect(targets).toMatchObject({ customerIds: ['cust_acme'], catalogChanged: false });
    expect(lookups()).toEqual(['/api/v2/subscriptions/sub_acme_addons']);
  });

  it('subscription_entitlements_created with another spelling of the detail key still resolves', async () => {
    const { resolve } = setup();
    const targets = await resolve(
      event('subscription_entitlements_created', {
        subscription_entitlement_created_details: { subscription_id: 's2' },
      }),
    );
    expect(targets.customerIds).toEqual(['c1']);
  });

  it('a lookup of a subscription Chargebee no longer knows gives no target rather than an error', async () => {
    const { resolve } = setup();
    const targets = await resolve(
      event('subscription_entitlements_updated', {
        subscription_entitlements_updated_detail: { subscription_id: 'sub_gone' },
      }),
    );
    expect(targets.customerIds).toEqual([]);
  });

  it('a lookup that fails for another reason propagates, so Chargebee redelivers the event', async () => {
    const { resolve, simulator } = setup();
    simulator.kit.inject({
      path: '/api/v2/subscriptions/s1',
      fault: { kind: 'status', status: 401, body: '{}' },
    });
    await expect(
      resolve(
        event('subscription_entitlements_updated', {
          subscription_entitlements_updated_detail: { subscription_id: 's1' },
        }),
      ),
    ).rejects.toMatchObject({ code: 'vendor_auth_failed', vendor: 'chargebee' });
  });

  it('entitlement_overrides_* → subscription.customer_id when present, without a lookup', async () => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event('entitlement_overrides_updated', { subscription: { id: 's1', customer_id: 'c1' } }),
    );
    expect(targets.customerIds).toEqual(['c1']);
    expect(lookups()).toEqual([]);
  });

  it('entitlement_overrides_* → the impacted subscriptions (deduplicated) and override entity ids, looked up', async () => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event('entitlement_overrides_auto_removed', {
        impacted_subscription: { count: 3, subscription_ids: ['s1', 'sub_globex', 's1'] },
        entitlement_override: {
          entity_id: 'sub_acme_platform',
          entity_type: 'subscription',
          feature_id: 'sso',
        },
      }),
    );
    expect(new Set(targets.customerIds)).toEqual(new Set(['c1', 'cust_globex', 'cust_acme']));
    expect(targets.catalogChanged).toBe(false);
    expect(lookups().sort()).toEqual([
      '/api/v2/subscriptions/s1',
      '/api/v2/subscriptions/sub_acme_platform',
      '/api/v2/subscriptions/sub_globex',
    ]);
  });

  it('entitlement_overrides_* whose impact is only a download link → catalogChanged, so it is not lost', async () => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event('entitlement_overrides_removed', {
        impacted_subscription: { count: 4000, download: { download_url: 'https://x', valid_till: 1 } },
      }),
    );
    expect(targets).toMatchObject({ customerIds: [], catalogChanged: true });
    expect(lookups()).toEqual([]);
  });

  it(`looks up at most ${MAX_SUBSCRIPTION_LOOKUPS} subscriptions per event and flags the rest via catalogChanged`, async () => {
    const looked: string[] = [];
    const ids = Array.from({ length: MAX_SUBSCRIPTION_LOOKUPS + 5 }, (_, index) => `sub_${index}`);
    const targets = await resolveChargebeeWebhook(
      event('entitlement_overrides_updated', {
        impacted_subscription: { count: ids.length, subscription_ids: ids },
      }),
      async (subscriptionId) => {
        looked.push(subscriptionId);
        return `cust_of_${subscriptionId}`;
      },
    );
    expect(looked).toHaveLength(MAX_SUBSCRIPTION_LOOKUPS);
    expect(targets.customerIds).toHaveLength(MAX_SUBSCRIPTION_LOOKUPS);
    expect(targets.catalogChanged).toBe(true);
  });

  it.each([
    'customer_created',
    'customer_changed',
    'customer_deleted',
    'customer_moved_in',
    'customer_moved_out',
  ])('%s → content.customer.id', async (eventType) => {
    const { resolve } = setup();
    expect((await resolve(event(eventType, { customer: { id: 'cust_acme' } }))).customerIds).toEqual([
      'cust_acme',
    ]);
  });

  it('customer_entitlements_updated → impacted customer ids when the payload has them, else a broad invalidation', async () => {
    const { resolve } = setup();
    const withIds = await resolve(
      event('customer_entitlements_updated', {
        impacted_customer: { action_type: 'updated', customer_ids: ['c1', 'cust_acme'] },
      }),
    );
    expect(withIds).toMatchObject({ customerIds: ['c1', 'cust_acme'], catalogChanged: false });
    const documented = await resolve(
      event('customer_entitlements_updated', {
        impacted_customer: {
          action_type: 'updated',
          download: { download_url: 'https://x', valid_till: 1, mime_type: 'text/csv' },
        },
      }),
    );
    // The documented shape names the customers only through a download link: unknown impact → broad.
    expect(documented).toMatchObject({ customerIds: [], catalogChanged: true });
  });

  it.each([
    'feature_created',
    'feature_updated',
    'feature_archived',
    'feature_deleted',
    'item_entitlements_updated',
    'item_entitlements_removed',
    'item_price_entitlements_updated',
    'item_price_entitlements_removed',
  ])('%s → catalogChanged, no customers', async (eventType) => {
    const { resolve, lookups } = setup();
    const targets = await resolve(
      event(eventType, {
        feature: { id: 'sso' },
        impacted_subscription: { count: 1, subscription_ids: ['s1'] },
      }),
    );
    expect(targets).toMatchObject({ eventType, customerIds: [], catalogChanged: true });
    expect(lookups()).toEqual([]);
  });

  it('unknown event types → no targets', async () => {
    const { resolve, lookups } = setup();
    for (const eventType of ['invoice_generated', 'payment_succeeded', 'subscription_renewal_reminder']) {
      expect(await resolve(event(eventType, { subscription: { customer_id: 'c1' } }))).toEqual({
        eventId: 'ev_16BHbhF4s42tO2lK',
        eventType,
        customerIds: [],
        catalogChanged: false,
      });
    }
    expect(lookups()).toEqual([]);
  });

  it('missing id or event_type (or a body that is not an object) → invalid_webhook', async () => {
    const { resolve } = setup();
    const bodies: unknown[] = [
      { event_type: 'subscription_created', content: {} },
      { id: 'ev_1', content: {} },
      { id: '', event_type: 'subscription_created' },
      'subscription_created',
      null,
    ];
    for (const body of bodies) {
      await expect(resolve(body)).rejects.toBeInstanceOf(AdapterError);
      await expect(resolve(body)).rejects.toMatchObject({ code: 'invalid_webhook', vendor: 'chargebee' });
    }
  });

  it('an event without content resolves to no customers rather than failing', async () => {
    const { resolve } = setup();
    expect(await resolve({ id: 'ev_2', event_type: 'subscription_created' })).toMatchObject({
      customerIds: [],
    });
  });
});

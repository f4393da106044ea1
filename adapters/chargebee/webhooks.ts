import type { WebhookTargets } from '../kit';
import { AdapterError } from '../kit';
import { mapWithConcurrency } from './paginator';
import { chargebeeWebhookEventSchema } from './wire';

/**
 * Chargebee webhook → the customers whose cached entitlements must go. Basic-auth verification is
 * done by the gateway core before this runs.
 *
 * - Subscription lifecycle events (status changes decide what `customer_entitlements` counts) →
 *   `content.subscription.customer_id` (or `content.customer.id`).
 * - `subscription_entitlements_created|updated` → the detail's `subscription_id` → its customer
 *   (`GET /subscriptions/{id}`).
 * - `entitlement_overrides_updated|removed|auto_removed` → `content.subscription.customer_id` when
 *   present, else the impacted subscriptions (`impacted_subscription.subscription_ids`, or an
 *   override's `entity_id`) → their customers.
 * - `customer_created|changed|deleted|moved_in|moved_out` → `content.customer.id` (created too: it
 *   clears a cached "customer not found").
 * - `customer_entitlements_updated` → impacted customer ids when the payload carries any (the
 *   documented payload has only a download link), else nothing.
 * - `feature_*`, `item_entitlements_*`, `item_price_entitlements_*` → `catalogChanged` (they change
 *   many customers at once; the core decides what to drop).
 * - When the impacted subscriptions cannot all be resolved (only a download link, or more than
 *   {@link MAX_SUBSCRIPTION_LOOKUPS}), `catalogChanged` is set too, so the change is not lost.
 * - Any other event → no targets.
 */

/** Subscription ids looked up per event at most (each is a vendor call against the rate budget). */
export const MAX_SUBSCRIPTION_LOOKUPS = 25;
const LOOKUP_CONCURRENCY = 4;

/** Subscription events after which the customer's entitlement set may differ. */
export const chargebeeSubscriptionEvents: ReadonlySet<string> = new Set([
  'subscription_created',
  'subscription_created_with_backdating',
  'subscription_started',
  'subscription_activated',
  'subscription_activated_with_backdating',
  'subscription_changed',
  'subscription_changed_with_backdating',
  'subscription_cancelled',
  'subscription_canceled_with_backdating',
  // Chargebee's own spelling above is American; the British one is accepted in case it is ever used.
  'subscription_cancelled_with_backdating',
  'subscription_reactivated',
  'subscription_reactivated_with_backdating',
  'subscription_paused',
  'subscription_resumed',
  'subscription_deleted',
  'subscription_renewed',
  'subscription_items_renewed',
  'subscription_moved_in',
  'subscription_moved_out',
  'subscription_scheduled_cancellation_removed',
  'subscription_ramp_applied',
  'subscription_trial_extended',
]);

const customerEvents: ReadonlySet<string> = new Set([
  'customer_created',
  'customer_changed',
  'customer_deleted',
  'customer_moved_in',
  'customer_moved_out',
]);

const catalogEventPrefixes = ['feature_', 'item_entitlements_', 'item_price_entitlements_'];

/** Finds the customer of a subscription; null when Chargebee no longer knows the subscription. */
export type SubscriptionCustomerLookup = (subscriptionId: string) => Promise<string | null>;

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string' && item !== '')
    : [];
}

function customerOfContent(content: Json): string | undefined {
  return (
    asString(asRecord(content['subscription'])?.['customer_id']) ??
    asString(asRecord(content['customer'])?.['id'])
  );
}

/** `subscription_entitlements_*_detail.subscription_id`, tolerating other spellings of the detail key. */
function entitlementDetailSubscriptionIds(content: Json): string[] {
  const ids: string[] = [];
  for (const [key, value] of Object.entries(content)) {
    if (!/^subscription_entitlements?(_\w+)?_details?$/.test(key) && key !== 'subscription_entitlement')
      continue;
    const record = asRecord(value);
    const direct = asString(record?.['subscription_id']);
    if (direct) ids.push(direct);
    if (Array.isArray(value)) {
      for (const item of value) {
        const id = asString(asRecord(item)?.['subscription_id']);
        if (id) ids.push(id);
      }
    }
  }
  return ids;
}

/** Impacted subscriptions of an override event, and whether that list is known to be complete. */
function overrideSubscriptionIds(content: Json): { ids: string[]; complete: boolean } {
  const ids: string[] = [];
  let complete = true;
  const impacted = asRecord(content['impacted_subscription']);
  if (impacted) {
    const listed = strings(impacted['subscription_ids']);
    ids.push(...listed);
    const count = impacted['count'];
    if (typeof count === 'number' && count > listed.length) complete = false;
    if (listed.length === 0 && impacted['download'] !== undefined) complete = false;
  }
  for (const key of ['entitlement_override', 'entitlement_overrides']) {
    const value = content[key];
    for (const item of Array.isArray(value) ? value : [value]) {
      const record = asRecord(item);
      const entityType = asString(record?.['entity_type']);
      const entityId = asString(record?.['entity_id']);
      if (entityId && (entityType === undefined || entityType === 'subscription')) ids.push(entityId);
    }
  }
  return { ids, complete };
}

/** Customer ids of `customer_entitlements_updated`, if the payload names any (the docs show only a download). */
function impactedCustomerIds(content: Json): string[] {
  const ids: string[] = [];
  for (const key of ['impacted_customer', 'impacted_customers']) {
    const impacted = asRecord(content[key]);
    if (!impacted) continue;
    ids.push(...strings(impacted['customer_ids']));
    const single = asString(impacted['customer_id']);
    if (single) ids.push(single);
  }
  const customer = asString(asRecord(content['customer'])?.['id']);
  if (customer) ids.push(customer);
  return ids;
}

async function customersOfSubscriptions(
  subscriptionIds: readonly string[],
  lookup: SubscriptionCustomerLookup,
): Promise<{ customerIds: string[]; complete: boolean }> {
  const unique = [...new Set(subscriptionIds)];
  const looked = unique.slice(0, MAX_SUBSCRIPTION_LOOKUPS);
  const found = await mapWithConcurrency(looked, LOOKUP_CONCURRENCY, (id) => lookup(id));
  return {
    customerIds: found.filter((id): id is string => id !== null),
    complete: looked.length === unique.length,
  };
}

/**
 * Reads a verified Chargebee webhook body. Throws `invalid_webhook` when it has no `id` or
 * `event_type`. `lookupSubscriptionCustomer` is called (bounded) only for events that name
 * subscriptions but not their customer.
 */
export async function resolveChargebeeWebhook(
  body: unknown,
  lookupSubscriptionCustomer: SubscriptionCustomerLookup,
): Promise<WebhookTargets> {
  const parsed = chargebeeWebhookEventSchema().safeParse(body);
  if (!parsed.success) {
    throw new AdapterError('invalid_webhook', 'The Chargebee event has no `id` or no `event_type`.', {
      vendor: 'chargebee',
    });
  }
  const { id: eventId, event_type: eventType } = parsed.data;
  const content: Json = parsed.data.content ?? {};
  const targets = (customerIds: readonly string[], catalogChanged = false): WebhookTargets => ({
    eventId,
    eventType,
    customerIds: [...new Set(customerIds)],
    catalogChanged,
  });

  if (catalogEventPrefixes.some((prefix) => eventType.startsWith(prefix))) return targets([], true);

  if (chargebeeSubscriptionEvents.has(eventType) || customerEvents.has(eventType)) {
    const customerId = customerEvents.has(eventType)
      ? asString(asRecord(content['customer'])?.['id'])
      : customerOfContent(content);
    return targets(customerId ? [customerId] : []);
  }

  if (
    eventType === 'subscription_entitlements_created' ||
    eventType === 'subscription_entitlements_updated'
  ) {
    const direct = asString(asRecord(content['subscription'])?.['customer_id']);
    if (direct) return targets([direct]);
    const resolved = await customersOfSubscriptions(
      entitlementDetailSubscriptionIds(content),
      lookupSubscriptionCustomer,
    );
    return targets(resolved.customerIds, !resolved.complete);
  }

  if (eventType.startsWith('entitlement_overrides_')) {
    const direct = asString(asRecord(content['subscription'])?.['customer_id']);
    if (direct) return targets([direct]);
    const impacted = overrideSubscriptionIds(content);
    const resolved = await customersOfSubscriptions(impacted.ids, lookupSubscriptionCustomer);
    return targets(resolved.customerIds, !(resolved.complete && impacted.complete));
  }

  if (eventType === 'customer_entitlements_updated') {
    // Chargebee documents the impacted customers of this event as a download link only; when no id
    // is inline the impact is unknown, so it is reported as broad (every snapshot marked outdated).
    const ids = impactedCustomerIds(content);
    return targets(ids, ids.length === 0);
  }

  return targets([]);
}

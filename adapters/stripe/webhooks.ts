import { AdapterError, type WebhookTargets } from '../kit';
import { validateStripeCustomerId } from './client';
import { stripeEventSchema } from './wire';

/** The one event that says a customer's entitlements changed. */
export const stripeEntitlementSummaryUpdated = 'entitlements.active_entitlement_summary.updated';

/** `value[name]` when `value` is a plain object, else undefined. */
function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Reads a verified Stripe event. `entitlements.active_entitlement_summary.updated` concerns the
 * customer in `data.object.customer`; every other event type concerns nobody (acknowledged, nothing
 * dropped). Repeated deliveries carry the same event `id`, which the gateway uses to drop them.
 * Throws `invalid_webhook` when the body is not an event envelope (no `id` or `type`).
 */
export function resolveStripeWebhook(body: unknown): WebhookTargets {
  const parsed = stripeEventSchema().safeParse(body);
  if (!parsed.success) {
    throw new AdapterError(
      'invalid_webhook',
      'A Stripe webhook must be an event object with a non-empty `id` and `type`.',
      { vendor: 'stripe' },
    );
  }
  const { id, type, data } = parsed.data;
  const customerIds: string[] = [];
  if (type === stripeEntitlementSummaryUpdated) {
    const customer = field(field(data, 'object'), 'customer');
    // Documented as the `cus_…` id; an expanded customer object is read by its id.
    const customerId = typeof customer === 'string' ? customer : field(customer, 'id');
    // An id Stripe could not have issued can never have been cached (it is refused before any load).
    if (typeof customerId === 'string' && validateStripeCustomerId(customerId) === null)
      customerIds.push(customerId);
  }
  return { eventId: id, eventType: type, customerIds, catalogChanged: false };
}

import type { WebhookTargets } from '../kit';
import { AdapterError } from '../kit';
import { validatePaygenticCustomerId } from './client';
import { paygenticWebhookEnvelopeSchema } from './wire';

/**
 * Paygentic webhooks (Svix-delivered; the gateway core verifies `svix-signature` before this runs).
 *
 * Paygentic documents no entitlement, grant or balance events, so the customer's subscription and
 * customer lifecycle events are the signal that its entitlements changed: `subscription.*` and
 * `customer.*` concern the customer they name; `source.*`, `source_event.*` and anything else
 * concern nobody (they are acknowledged, nothing is dropped).
 */

/** Event type prefixes whose `data` names a customer whose entitlements may have changed. */
const customerScopedPrefixes = ['subscription.', 'customer.'] as const;

/**
 * Reads a verified Paygentic webhook body. Throws `invalid_webhook` when it is not the documented
 * envelope (no `eventId` or `eventType`). A customer-scoped event that names no usable customer id
 * resolves to no customers rather than failing: the delivery is genuine, and a 4xx would only make
 * Svix retry it for a day.
 */
export function resolvePaygenticWebhook(body: unknown): WebhookTargets {
  const parsed = paygenticWebhookEnvelopeSchema().safeParse(body);
  if (!parsed.success) {
    throw new AdapterError(
      'invalid_webhook',
      'A Paygentic webhook must be a JSON object with a non-empty `eventId` and `eventType`.',
      { vendor: 'paygentic' },
    );
  }
  const { eventId, eventType, data } = parsed.data;
  const customerIds = new Set<string>();
  if (customerScopedPrefixes.some((prefix) => eventType.startsWith(prefix))) {
    for (const candidate of [data?.customerId, data?.customer?.id, data?.customer_id]) {
      // An id Paygentic could not have issued can never have been cached (validateCustomerId rejects
      // it before any load), so it is not a key worth dropping.
      if (typeof candidate === 'string' && validatePaygenticCustomerId(candidate) === null)
        customerIds.add(candidate);
    }
  }
  return { eventId, eventType, customerIds: [...customerIds], catalogChanged: false };
}

import type { WebhookTargets } from '../kit';
import { AdapterError } from '../kit';
import { isZenskarUuid } from './client';

/**
 * Zenskar webhook bodies → the customers whose cached entitlements must go.
 *
 * Zenskar's event catalogue, envelope and signature scheme are not in Zenskar's public docs (they are set
 * up in the dashboard: "customer added", "usage limit exceeded", usage alerts). The signature is checked by
 * the module's webhook verification before this runs; this only reads a tolerant envelope:
 *
 * - event id: `id` | `event_id` | `eventId` (string or number), required;
 * - event type: `event` | `event_type` | `type` (string), else `unknown`;
 * - customers: `data.customer_id`, `data.customer.id`, `data.customer` (a string) and top-level
 *   `customer_id`, every one found, de-duplicated; only UUIDs are kept, since nothing else can be a
 *   Zenskar customer (and so nothing else can be a cached key).
 *
 * `catalogChanged` is true for an event whose type names an entitlement and that concerns no
 * customer: a definition change renames the feature in every customer's rows.
 */

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function firstString(record: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}

/** Reads a verified Zenskar webhook body. Throws `invalid_webhook` when it is not an event. */
export function resolveZenskarWebhook(body: unknown): WebhookTargets {
  const envelope = asRecord(body);
  if (!envelope) {
    throw new AdapterError('invalid_webhook', 'A Zenskar webhook body must be a JSON object.', {
      vendor: 'zenskar',
    });
  }
  const eventId = firstString(envelope, ['id', 'event_id', 'eventId']);
  if (eventId === null) {
    throw new AdapterError(
      'invalid_webhook',
      'The Zenskar webhook has no event id (`id`, `event_id` or `eventId`).',
      {
        vendor: 'zenskar',
      },
    );
  }
  const eventType = firstString(envelope, ['event', 'event_type', 'type']) ?? 'unknown';

  const data = asRecord(envelope['data']);
  const nestedCustomer = data ? data['customer'] : undefined;
  const candidates: unknown[] = [
    data?.['customer_id'],
    asRecord(nestedCustomer)?.['id'],
    typeof nestedCustomer === 'string' ? nestedCustomer : undefined,
    envelope['customer_id'],
  ];
  const customerIds: string[] = [];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const id = candidate.trim();
    if (isZenskarUuid(id) && !customerIds.includes(id)) customerIds.push(id);
  }

  return {
    eventId,
    eventType,
    customerIds,
    catalogChanged: customerIds.length === 0 && /entitlement/i.test(eventType),
  };
}

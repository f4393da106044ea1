import {
  AdapterError,
  type AdapterFactoryOptions,
  type CustomerSnapshot,
  type LoadContext,
  UpstreamError,
  type VendorAdapterV1,
} from '../kit';
import { createStripeClient, stripeMaxPageSize, stripeOperations, validateStripeCustomerId } from './client';
import type { StripeConnection } from './connection';
import { normalizeStripeSnapshot, type StripeSnapshotData } from './mapper';
import { collectKeysetRows, stripeMaxPages } from './paginator';
import { resolveStripeWebhook } from './webhooks';

/** Options of the Stripe adapter. */
export interface StripeAdapterOptions extends AdapterFactoryOptions<StripeConnection> {
  /** Rows asked per page, 1–100 (default 100, Stripe's maximum: fewest round trips). */
  pageSize?: number;
  /** Most pages read for one customer before giving up with `vendor_bad_response` (default 1,000). */
  maxPages?: number;
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`Stripe adapter: ${name} must be an integer between 1 and ${max}, got ${value}.`);
  }
  return value;
}

/**
 * The Stripe adapter: a customer's active entitlements (`GET /v1/entitlements/active_entitlements`,
 * features expanded, keyset pages of 100), mapped to boolean entitlements. Stripe rows carry no dates,
 * so the gateway normalizes (`timeEvaluation: 'gateway'`) and every `at` sees what Stripe holds now.
 */
export function createStripeAdapter(options: StripeAdapterOptions): VendorAdapterV1<StripeSnapshotData> {
  const { clock } = options;
  const client = createStripeClient(options);
  const pageSize = positiveInteger('pageSize', options.pageSize ?? stripeMaxPageSize, stripeMaxPageSize);
  const maxPages = positiveInteger('maxPages', options.maxPages ?? stripeMaxPages);

  return {
    specificationVersion: 'v1',
    vendor: 'stripe',
    timeEvaluation: 'gateway',
    validateCustomerId: validateStripeCustomerId,

    async loadCustomer(
      customerId: string,
      context: LoadContext,
    ): Promise<CustomerSnapshot<StripeSnapshotData>> {
      const invalid = validateStripeCustomerId(customerId);
      // The service validates first; this guard keeps a malformed id from ever reaching Stripe.
      if (invalid !== null) {
        throw new AdapterError('validation_failed', invalid, {
          vendor: 'stripe',
          errors: [{ path: 'customerId', message: invalid }],
        });
      }
      const rows = await collectKeysetRows(
        (startingAfter) =>
          client.listActiveEntitlements(
            { customerId, limit: pageSize, ...(startingAfter === null ? {} : { startingAfter }) },
            { signal: context.signal },
          ),
        {
          rowId: (row) => row.id,
          maxPages,
          invalid: (message) =>
            new UpstreamError(
              'vendor_bad_response',
              'stripe',
              `Stripe's pagination is inconsistent: ${message}.`,
              {
                operation: stripeOperations.listActiveEntitlements,
                attempts: 1,
                vendorMessage: message,
              },
            ),
        },
      );
      return {
        vendor: 'stripe',
        customerId,
        fetchedAt: new Date(clock.now()).toISOString(),
        // Stripe evaluates nothing at an instant: it answers with what the customer holds now.
        evaluatedAt: null,
        data: { rows },
      };
    },

    normalize: normalizeStripeSnapshot,

    async resolveWebhook(body: unknown) {
      return resolveStripeWebhook(body);
    },
  };
}

import { z } from 'zod';
import { lazy } from '../kit/lazy';

/**
 * Paygentic wire formats (from its published OpenAPI document, shipped in its Node SDK), as the gateway reads them.
 *
 * Tolerant on purpose: every field the mapping can do without is `.nullish()`, unknown keys are kept
 * (`looseObject`) so a parsed row is still the row as received (it is what `include=raw` returns),
 * and enum-like fields (`featureType`, `status`) are plain strings so a value Paygentic adds later
 * degrades to a documented fallback instead of failing the whole customer. Required are only the
 * fields without which a row means nothing: its id, its feature key and type, and Paygentic's own
 * `hasAccess`, which is the authoritative access decision.
 */

const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Reads an RFC 3339 instant as epoch milliseconds, or null when the text is not one.
 *
 * The offset is required: `Date.parse` reads an offset-less date-time in the host's time zone, which
 * would make window checks depend on where the gateway runs.
 */
export function parsePaygenticInstant(text: string | null | undefined): number | null {
  if (typeof text !== 'string' || !rfc3339Pattern.test(text)) return null;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * Balances are documented as JSON numbers; a decimal string (how arbitrary-precision amounts are
 * often serialized) is read as the same number rather than failing the whole customer.
 */
const meteredNumber = () =>
  z.union([
    z.number(),
    z
      .string()
      .regex(/^\s*-?\d+(?:\.\d+)?\s*$/)
      .transform((text) => Number(text)),
  ]);

/** One `EntitlementAccessResult` of `GET /v1/entitlements`, the row the gateway snapshots. */
export const paygenticEntitlementRowSchema = lazy(() =>
  z.looseObject({
    entitlementId: z.string().min(1),
    featureKey: z.string().min(1),
    /** `boolean` | `static` | `metered` today; any other string maps by the documented fallback. */
    featureType: z.string(),
    hasAccess: z.boolean(),
    productId: z.string().nullish(),
    /** `active` | `canceled` | `expired` (American spelling) today. */
    status: z.string().nullish(),
    activeFrom: z.string().nullish(),
    activeTo: z.string().nullish(),
    /** Merchant-defined keys; set for `static` only. */
    config: z.record(z.string(), z.unknown()).nullish(),
    /** Metered only: the remaining grant in the current period. */
    balance: meteredNumber().nullish(),
    /** Metered only: usage in the current period. */
    usageInPeriod: meteredNumber().nullish(),
  }),
);
/** A Paygentic list row as received (unknown keys kept). */
export type PaygenticEntitlementRow = z.infer<ReturnType<typeof paygenticEntitlementRowSchema>>;

/** The list envelope `{object:"list", data, pagination:{limit, offset, total}}`. */
export const paygenticEntitlementListSchema = lazy(() =>
  z.object({
    object: z.string().nullish(),
    data: z.array(paygenticEntitlementRowSchema()),
    pagination: z.object({
      limit: z.number().nullish(),
      /** Echo of the offset served; checked against the one asked for when present. */
      offset: z.number().int().nonnegative().nullish(),
      /** Essential: it is what tells the gateway how many pages there are. */
      total: z.number().int().nonnegative(),
    }),
  }),
);
/** A parsed page of `GET /v1/entitlements`. */
export type PaygenticEntitlementList = z.infer<ReturnType<typeof paygenticEntitlementListSchema>>;

/**
 * `GET /v1/entitlements/{entitlementId}`: only what the soft-limit question needs. The vendor's
 * `oneOf` is discriminated by `featureType`; metered adds a required `isSoftLimit`.
 */
export const paygenticEntitlementDetailSchema = lazy(() =>
  z.object({
    id: z.string().nullish(),
    featureType: z.string().nullish(),
    isSoftLimit: z.boolean().nullish(),
  }),
);
/** A parsed single entitlement (the fields the gateway reads). */
export type PaygenticEntitlementDetail = z.infer<ReturnType<typeof paygenticEntitlementDetailSchema>>;

/** Paygentic's `Error` (`{message, error?, details?}`) and `ValidationError` (`{error, message, errors}`). */
export const paygenticErrorSchema = lazy(() =>
  z.object({
    message: z.string().nullish().catch(null),
    error: z.string().nullish().catch(null),
    errors: z
      .array(
        z.object({
          field: z.string().nullish().catch(null),
          message: z.string().nullish().catch(null),
          code: z.string().nullish().catch(null),
        }),
      )
      .nullish()
      .catch(null),
  }),
);

/**
 * The Svix-delivered event envelope `{eventType, eventId, timestamp, data}`. The customer id is read
 * from `data.customerId`, and from `data.customer.id` / `data.customer_id` in case an event type
 * nests or snake-cases it (the payload schemas per event type are not published). Every field under
 * `data` falls back to null instead of failing: a webhook with an odd field must still invalidate.
 */
export const paygenticWebhookEnvelopeSchema = lazy(() =>
  z.object({
    eventType: z.string().min(1),
    eventId: z.string().min(1),
    timestamp: z.string().nullish().catch(null),
    data: z
      .looseObject({
        customerId: z.string().nullish().catch(null),
        customer_id: z.string().nullish().catch(null),
        customer: z
          .looseObject({ id: z.string().nullish().catch(null) })
          .nullish()
          .catch(null),
      })
      .nullish()
      .catch(null),
  }),
);
/** A parsed Paygentic webhook envelope. */
export type PaygenticWebhookEnvelope = z.infer<ReturnType<typeof paygenticWebhookEnvelopeSchema>>;

import { z } from 'zod';
import { lazy } from '../kit/lazy';

/**
 * Stripe Entitlements API wire formats, as far as the gateway reads them.
 *
 * Tolerant on purpose: only the fields the mapping reads are declared, everything else is
 * `.nullish()`, and rows are `looseObject`s so a parsed row is still the row as received (what
 * `include=raw` returns). Required are only the fields without which a row means nothing: the
 * active entitlement's `id` (the keyset cursor) and its `feature` (a `feat_…` id, or the feature
 * object when the request expanded `data.feature`).
 */

/** An `entitlements.feature` object, as it appears when `expand[]=data.feature` was asked for. */
export const stripeFeatureSchema = lazy(() =>
  z.looseObject({
    id: z.string().min(1),
    object: z.string().nullish(),
    /** False once the feature is archived; see the mapping rules for what that means for access. */
    active: z.boolean().nullish(),
    livemode: z.boolean().nullish(),
    /** The app's own identifier of the feature (≤ 80 characters): the natural `featureKey`. */
    lookup_key: z.string().nullish(),
    name: z.string().nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  }),
);
/** An expanded Stripe feature as received (unknown keys kept). */
export type StripeFeature = z.infer<ReturnType<typeof stripeFeatureSchema>>;

/** One `entitlements.active_entitlement`: holding it means the customer has the feature. */
export const stripeActiveEntitlementSchema = lazy(() =>
  z.looseObject({
    id: z.string().min(1),
    object: z.string().nullish(),
    /** A `feat_…` id, or the feature object when expanded. */
    feature: z.union([z.string().min(1), stripeFeatureSchema()]),
    livemode: z.boolean().nullish(),
    /** A copy of the feature's `lookup_key`. */
    lookup_key: z.string().nullish(),
  }),
);
/** A Stripe active entitlement as received (unknown keys kept). */
export type StripeActiveEntitlement = z.infer<ReturnType<typeof stripeActiveEntitlementSchema>>;

/** The list envelope `{object:"list", url, has_more, data}` of `GET /v1/entitlements/active_entitlements`. */
export const stripeActiveEntitlementListSchema = lazy(() =>
  z.object({
    object: z.string().nullish(),
    url: z.string().nullish(),
    /** Essential: it is what ends the keyset crawl. */
    has_more: z.boolean(),
    data: z.array(stripeActiveEntitlementSchema()),
  }),
);
/** A parsed page of active entitlements. */
export type StripeActiveEntitlementList = z.infer<ReturnType<typeof stripeActiveEntitlementListSchema>>;

/** Stripe's error body `{error:{type, code?, message, param?, doc_url?, request_log_url?}}`. */
export const stripeErrorBodySchema = lazy(() =>
  z.object({
    error: z.object({
      type: z.string().nullish(),
      code: z.string().nullish(),
      message: z.string().nullish(),
      param: z.string().nullish(),
    }),
  }),
);
/** The `error` member of a Stripe error body. */
export type StripeErrorDetails = z.infer<ReturnType<typeof stripeErrorBodySchema>>['error'];

/**
 * A Stripe event envelope `{id:"evt_…", object:"event", type, created, data:{object}}`, read only as
 * far as invalidation needs: the event id (to drop repeated deliveries), its type and, for the
 * entitlement summary, the customer in `data.object.customer`.
 */
export const stripeEventSchema = lazy(() =>
  z.object({
    id: z.string().min(1),
    type: z.string().min(1),
    created: z.number().nullish(),
    /**
     * Read by the resolver with type checks rather than declared: a genuine, signed event whose
     * object has an unexpected shape concerns nobody; it must not fail (Stripe would retry it).
     */
    data: z.unknown(),
  }),
);
/** A parsed Stripe event envelope. */
export type StripeEvent = z.infer<ReturnType<typeof stripeEventSchema>>;

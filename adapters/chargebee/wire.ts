import { z } from 'zod';
import { lazy } from '../kit/lazy';

/**
 * Chargebee Billing API v2 (Product Catalog 2.0) wire formats, as far as the gateway reads them.
 *
 * Tolerant by design: every field that is not needed to key a row is `.nullish()`, values accept
 * string | number | boolean although Chargebee documents strings, and entitlement rows are
 * `looseObject`s so the row kept in the snapshot (and returned with `include=raw`) is the row exactly
 * as Chargebee sent it. Subscriptions are plain (stripping) objects: only the three fields the
 * mapper reads are kept, because a Chargebee subscription carries dozens of fields (addresses, items,
 * amounts) that would only bloat the cached snapshot.
 */

const entitlementValue = () => z.union([z.string(), z.number(), z.boolean()]).nullish();
/** Chargebee timestamps are unix seconds. */
const unixSeconds = () => z.number().nullish();
/** `next_offset` is documented as a string; a number is tolerated and passed back as its decimal text. */
const nextOffset = () => z.union([z.string(), z.number()]).nullish();

/** Error body: `{message, type?, api_error_code, param?}`; `error_code`/`error_msg` are legacy aliases. */
export const chargebeeErrorBodySchema = lazy(() =>
  z.object({
    message: z.string().nullish(),
    type: z.string().nullish(),
    api_error_code: z.string().nullish(),
    error_code: z.string().nullish(),
    error_msg: z.string().nullish(),
    param: z.string().nullish(),
  }),
);

/** One `customer_entitlement` row (one per subscription and feature, or per feature when consolidated). */
export const chargebeeCustomerEntitlementSchema = lazy(() =>
  z.looseObject({
    customer_id: z.string().nullish(),
    subscription_id: z.string().nullish(),
    feature_id: z.string().nullish(),
    value: entitlementValue(),
    name: z.string().nullish(),
    is_enabled: z.boolean().nullish(),
  }),
);
export type ChargebeeCustomerEntitlement = z.infer<ReturnType<typeof chargebeeCustomerEntitlementSchema>>;

/** `GET /customers/{id}/customer_entitlements`. */
export const chargebeeCustomerEntitlementListSchema = lazy(() =>
  z.object({
    list: z.array(z.object({ customer_entitlement: chargebeeCustomerEntitlementSchema() })),
    next_offset: nextOffset(),
  }),
);

/** One `subscription_entitlement` row (one per feature of one subscription). */
export const chargebeeSubscriptionEntitlementSchema = lazy(() =>
  z.looseObject({
    subscription_id: z.string().nullish(),
    feature_id: z.string().nullish(),
    feature_name: z.string().nullish(),
    feature_unit: z.string().nullish(),
    feature_type: z.string().nullish(),
    value: entitlementValue(),
    name: z.string().nullish(),
    is_overridden: z.boolean().nullish(),
    is_enabled: z.boolean().nullish(),
    effective_from: unixSeconds(),
    expires_at: unixSeconds(),
    schedule_status: z.string().nullish(),
  }),
);
export type ChargebeeSubscriptionEntitlement = z.infer<
  ReturnType<typeof chargebeeSubscriptionEntitlementSchema>
>;

/** `GET /subscriptions/{id}/subscription_entitlements`. */
export const chargebeeSubscriptionEntitlementListSchema = lazy(() =>
  z.object({
    list: z.array(z.object({ subscription_entitlement: chargebeeSubscriptionEntitlementSchema() })),
    next_offset: nextOffset(),
  }),
);

/** The part of a subscription the gateway reads. */
export const chargebeeSubscriptionSchema = lazy(() =>
  z.object({
    id: z.string(),
    customer_id: z.string().nullish(),
    status: z.string().nullish(),
  }),
);
export type ChargebeeSubscription = z.infer<ReturnType<typeof chargebeeSubscriptionSchema>>;

/** `GET /subscriptions` (list). */
export const chargebeeSubscriptionListSchema = lazy(() =>
  z.object({
    list: z.array(z.object({ subscription: chargebeeSubscriptionSchema() })),
    next_offset: nextOffset(),
  }),
);

/** `GET /subscriptions/{id}`: `{subscription, customer?}`. */
export const chargebeeSubscriptionRetrieveSchema = lazy(() =>
  z.object({
    subscription: chargebeeSubscriptionSchema(),
    customer: z.object({ id: z.string().nullish() }).nullish(),
  }),
);

/** `GET /customers/{id}`: only used to tell "unknown customer" from "no subscriptions". */
export const chargebeeCustomerRetrieveSchema = lazy(() =>
  z.object({ customer: z.object({ id: z.string().nullish() }) }),
);

/** A feature level: the allowed values of quantity/range/custom features. */
export const chargebeeFeatureLevelSchema = lazy(() =>
  z.object({
    name: z.string().nullish(),
    value: entitlementValue(),
    level: z.number().nullish(),
    is_unlimited: z.boolean().nullish(),
  }),
);

/** A catalogue feature (only what the mapper reads). */
export const chargebeeFeatureSchema = lazy(() =>
  z.object({
    id: z.string(),
    name: z.string().nullish(),
    type: z.string().nullish(),
    unit: z.string().nullish(),
    status: z.string().nullish(),
    levels: z.array(chargebeeFeatureLevelSchema()).nullish(),
  }),
);
export type ChargebeeFeature = z.infer<ReturnType<typeof chargebeeFeatureSchema>>;

/** `GET /features` (list). */
export const chargebeeFeatureListSchema = lazy(() =>
  z.object({
    list: z.array(z.object({ feature: chargebeeFeatureSchema() })),
    next_offset: nextOffset(),
  }),
);

/** A webhook event envelope; `content` is read key by key by the resolver. */
export const chargebeeWebhookEventSchema = lazy(() =>
  z.object({
    id: z.string().min(1),
    event_type: z.string().min(1),
    occurred_at: z.number().nullish(),
    content: z.record(z.string(), z.unknown()).nullish(),
  }),
);

import { z } from '@hono/zod-openapi';

/** Vendors the gateway speaks to. Adding one here makes the adapter registry fail to compile until it exists. */
export const vendorIds = ['zenskar', 'paygentic', 'chargebee', 'stripe'] as const;
// No `example`: as a query parameter it is optional, and "Try it out" would pre-fill it.
export const VendorIdSchema = z.enum(vendorIds).openapi('VendorId');
export type VendorId = z.infer<typeof VendorIdSchema>;

/** The normalized kinds of entitlement; every vendor type maps onto exactly one. */
export const entitlementTypes = ['boolean', 'numeric', 'metered', 'enum', 'config'] as const;
export const EntitlementTypeSchema = z.enum(entitlementTypes).openapi('EntitlementType', {
  description:
    '`boolean`: on/off. `numeric`: a quantity limit that is not metered by the vendor. `metered`: a balance the vendor decrements with usage. `enum`: one level out of a list. `config`: a free-form configuration object.',
});
export type EntitlementType = z.infer<typeof EntitlementTypeSchema>;

/** Why access is denied; always set when `hasAccess` is false, always null when it is true. */
export const denialReasons = ['not_entitled', 'inactive', 'expired', 'disabled', 'limit_exceeded'] as const;
export const DenialReasonSchema = z.enum(denialReasons).openapi('DenialReason');
export type DenialReason = z.infer<typeof DenialReasonSchema>;

/**
 * A named (registered) schema or null. `.nullable()` on a registered schema renders as
 * `allOf: [$ref, {type: [..., "null"]}]`, which forbids null (the `$ref` must still match); a union
 * renders as `anyOf: [$ref, {type: "null"}]`, which is what the responses send.
 */
export function nullableRef<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

const scalarValue = z.union([z.string(), z.number(), z.boolean()]).nullable();

/** One vendor row behind a normalized entitlement (a subscription, a grant, a product entitlement). */
export const GrantSchema = z
  .object({
    vendor: VendorIdSchema.optional().openapi({
      description:
        'The vendor this row comes from. Set on answers built through customer links or the feature catalogue (merged answers name several vendors).',
    }),
    source: z.string().openapi({
      description:
        "What kind of vendor record granted this: `subscription`, `customer`, `grant`, `billable`, `rollover`, `adjustment`, `product_entitlement`, …; `fallback` on a merged check: no vendor record, the feature's fallback policy standing in for a vendor that is down (`vendor` names it).",
      example: 'subscription',
    }),
    sourceId: z
      .string()
      .nullable()
      .openapi({ description: 'The vendor id of that source record.', example: 's2' }),
    vendorId: z
      .string()
      .nullable()
      .openapi({ description: 'The vendor id of the row itself, if it has one.' }),
    hasAccess: z.boolean(),
    limit: z.number().nullable(),
    usage: z.number().nullable(),
    value: scalarValue,
    status: z.string().nullable(),
    activeFrom: z.string().nullable().openapi({ format: 'date-time' }),
    activeTo: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('Grant');
export type Grant = z.infer<typeof GrantSchema>;

/** One vendor feature behind an entitlement answered through customer links or the feature catalogue. */
export const EntitlementSourceSchema = z
  .object({
    vendor: VendorIdSchema,
    customerId: z.string().openapi({ description: "The customer's id at that vendor.", example: 'cb_4711' }),
    featureKey: z
      .string()
      .openapi({ description: "The vendor's own feature key.", example: 'user-licenses' }),
  })
  .openapi('EntitlementSource');
export type EntitlementSource = z.infer<typeof EntitlementSourceSchema>;

/** The one normalized shape for "customer C's entitlement to feature F", whatever the vendor. */
export const EntitlementSchema = z
  .object({
    object: z.literal('entitlement'),
    vendor: nullableRef(VendorIdSchema).openapi({
      description:
        'The vendor behind this entitlement; null on a merged entitlement that several vendors contribute to (see `sources`).',
    }),
    customerId: z.string(),
    featureKey: z.string().openapi({ example: 'user-licenses' }),
    featureName: z.string().nullable().openapi({ example: 'User Licenses' }),
    type: EntitlementTypeSchema,
    hasAccess: z.boolean(),
    reason: nullableRef(DenialReasonSchema),
    unlimited: z.boolean(),
    limit: z
      .number()
      .nullable()
      .openapi({ description: 'The granted quantity; null when unlimited or not a quantity.' }),
    usage: z.number().nullable().openapi({ description: 'Usage the vendor reports, when it reports any.' }),
    remaining: z
      .number()
      .nullable()
      .openapi({ description: '`limit - usage` (or the vendor balance); null when unlimited or unknown.' }),
    value: scalarValue.openapi({
      description: 'The effective value (a level for enums, the vendor value string otherwise).',
    }),
    config: z.record(z.string(), z.unknown()).nullable(),
    unit: z.string().nullable(),
    activeFrom: z.string().nullable().openapi({ format: 'date-time' }),
    activeTo: z.string().nullable().openapi({ format: 'date-time' }),
    grants: z.array(GrantSchema),
    sources: z.array(EntitlementSourceSchema).optional().openapi({
      description:
        'The vendor features behind this entitlement (one per vendor), in precedence order. Set on answers built through customer links or the feature catalogue.',
    }),
    raw: z
      .array(z.unknown())
      .optional()
      .openapi({ description: 'The vendor rows behind this entitlement, only with `include=raw`.' }),
  })
  .openapi('Entitlement', {
    example: {
      object: 'entitlement',
      vendor: 'chargebee',
      customerId: 'c1',
      featureKey: 'user-licenses',
      featureName: 'User Licenses',
      type: 'numeric',
      hasAccess: true,
      reason: null,
      unlimited: false,
      limit: 13,
      usage: null,
      remaining: 13,
      value: '13',
      config: null,
      unit: 'licence',
      activeFrom: null,
      activeTo: null,
      grants: [
        {
          source: 'subscription',
          sourceId: 's1',
          vendorId: null,
          hasAccess: true,
          limit: 3,
          usage: null,
          value: '3',
          status: 'active',
          activeFrom: null,
          activeTo: null,
        },
        {
          source: 'subscription',
          sourceId: 's2',
          vendorId: null,
          hasAccess: true,
          limit: 10,
          usage: null,
          value: '10',
          status: 'active',
          activeFrom: null,
          activeTo: null,
        },
      ],
    },
  });
export type Entitlement = z.infer<typeof EntitlementSchema>;
